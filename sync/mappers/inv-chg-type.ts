/**
 * inv_chg_type (库存变更类型) of 3502, from the national dictionary of the 医疗保障信息平台 定点医药机构 进销存接口
 * (字典 INV_CHG_TYPE: 101 调拨入库, 102 调拨出库, 103 盘盈, 104 盘损, 105 销毁, 106 其他入库, 107 其他出库).
 * Sources: the stored public 3502 implementations (binzhe12123/Medical KCBG3502.cs) give the field (字符型 6, Y, 码值)
 * but not the table; a public HIS quotes the table as the interface document's section "7.51 库存变更类型
 * (inv_chg_type)" with these same seven codes and four later ones (108 商品采购入库, 109 商品退货出库, 110 赠药入库,
 * 111 赠药退回出库) — Java enum com.openhis.common.enums.ybenums.YbInvChgType (CJB-CNIT Team, 2025-04-17). The box
 * sends only the four below; the values are kept here, in one place, for a province to correct. A province profile
 * may rename the field, not these codes.
 */
export const INV_CHG_TYPE = {
  transferIn: '101',
  transferOut: '102',
  stocktakeGain: '103',
  stocktakeLoss: '104',
} as const;
