import type { Product } from '../catalog/product.js';

/**
 * Demo catalogue. The NHSA codes match the platform simulator's seeds (procurement orders, chronic-disease
 * lists), so every rule can be shown in demo mode. Drug ids (tracePrefix) are fictional but well-formed.
 */
export const DEMO_PRODUCTS: Product[] = [
  {
    id: 'P0001', name: '二甲双胍片', spec: '0.5g*20片', manufacturer: '石药集团欧意药业有限公司', approvalNo: '国药准字H13022000',
    nhsaCode: 'XA10BAE054A001010101443', tracePrefix: '8100001', rx: true, insured: true, category: 'drug',
    piecesPerPack: 20, pricePerPack: 1250, maxDailyPieces: 4,
  },
  {
    id: 'P0002', name: '苯磺酸氨氯地平片', spec: '5mg*7片', manufacturer: '华北制药股份有限公司', approvalNo: '国药准字H20030000',
    nhsaCode: 'XC08CAA037A001010102059', tracePrefix: '8100002', rx: true, insured: true, category: 'drug',
    piecesPerPack: 7, pricePerPack: 2880, maxDailyPieces: 1,
  },
  {
    id: 'P0003', name: '阿莫西林胶囊', spec: '0.25g*24粒', manufacturer: '石药集团中诺药业（石家庄）有限公司', approvalNo: '国药准字H13020000',
    nhsaCode: 'XJ01CAA040E001010100432', tracePrefix: '8100003', gtin: '06901234567892', rx: true, insured: true, category: 'drug',
    piecesPerPack: 24, pricePerPack: 1560, maxDailyPieces: 8,
  },
  {
    id: 'P0004', name: '布洛芬缓释胶囊', spec: '0.3g*20粒', manufacturer: '中美天津史克制药有限公司', approvalNo: '国药准字H10900089',
    nhsaCode: 'XN02BAB048E001010101835', tracePrefix: '8100004', rx: false, insured: true, category: 'drug',
    piecesPerPack: 20, pricePerPack: 1980, maxDailyPieces: 2,
  },
  {
    id: 'P0005', name: '连花清瘟胶囊', spec: '0.35g*36粒', manufacturer: '石家庄以岭药业股份有限公司', approvalNo: '国药准字Z20040063',
    nhsaCode: 'ZA01BAL0235010103540', tracePrefix: '8100005', rx: false, insured: true, category: 'drug',
    piecesPerPack: 36, pricePerPack: 2650, maxDailyPieces: 12,
  },
  {
    id: 'P0006', name: '当归（饮片）', spec: '10g/袋', manufacturer: '安国市药材饮片厂', approvalNo: '',
    nhsaCode: 'T000700434', rx: false, insured: true, category: 'herbal', traceExempt: true,
    piecesPerPack: 1, pricePerPack: 480,
  },
  {
    id: 'P0007', name: '维生素C咀嚼片（保健食品）', spec: '60片', manufacturer: '汤臣倍健股份有限公司', approvalNo: '国食健注G20140000',
    nhsaCode: '', barcode: '6901234567809', rx: false, insured: false, category: 'health_food', traceExempt: true,
    piecesPerPack: 1, pricePerPack: 6800,
  },
];
