import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseCatalogCsv, yuanTextToFen } from './csv.js';

const CHINESE = `商品编码,药品名称,规格,生产企业,批准文号,医保编码,药品标识码,条码,处方药,医保,类别,包装数量,零售价(元),免追溯码,日最大用量
P1,阿莫西林胶囊,0.25g*24粒,某药业,国药准字H1,XJ01CAA040E001010100432,8100003,,是,是,西药,24,15.6,否,8
P2,"当归（饮片）",10g/袋,饮片厂,,T000700434,,,否,是,中药饮片,1,4.80,是,
`;

describe('catalogue CSV import', () => {
  it('reads a UTF-8 export with Chinese headings, yuan prices and 是/否 flags', () => {
    const r = parseCatalogCsv(Buffer.from('\uFEFF' + CHINESE, 'utf8'));
    expect(r.problems).toEqual([]);
    expect(r.encoding).toBe('utf-8');
    expect(r.products).toEqual([
      expect.objectContaining({
        id: 'P1',
        name: '阿莫西林胶囊',
        tracePrefix: '8100003',
        rx: true,
        insured: true,
        category: 'drug',
        piecesPerPack: 24,
        pricePerPack: 1560,
        traceExempt: false,
        maxDailyPieces: 8,
      }),
      expect.objectContaining({ id: 'P2', category: 'herbal', pricePerPack: 480, traceExempt: true, rx: false }),
    ]);
  });

  it('reads the same file saved as GB18030 by Excel', () => {
    const r = parseCatalogCsv(iconv.encode(CHINESE, 'gb18030'));
    expect(r.encoding).toBe('gb18030');
    expect(r.problems).toEqual([]);
    expect(r.products.map((p) => p.name)).toEqual(['阿莫西林胶囊', '当归（饮片）']);
  });

  it('reads the API field names with prices in fen', () => {
    const csv =
      'id,name,spec,manufacturer,approvalNo,nhsaCode,rx,insured,category,piecesPerPack,pricePerPack,gtin\nX,布洛芬,0.3g*20,厂,H2,XN02,false,true,drug,20,1980,6901234567892\n';
    const r = parseCatalogCsv(Buffer.from(csv));
    expect(r.problems).toEqual([]);
    expect(r.products[0]).toMatchObject({ pricePerPack: 1980, gtin: '06901234567892' });
  });

  it('names the row and column of every problem and imports nothing', () => {
    const csv = CHINESE.replace('24,15.6', '0,15.655').replace('中药饮片', '糖果') + 'P1,重复,x,y,z,XJ,,,否,否,西药,1,1,否,\n';
    const r = parseCatalogCsv(Buffer.from(csv));
    expect(r.problems).toEqual([
      'row 2: 零售价 "15.655" is not an amount in yuan with at most 2 decimals',
      expect.stringMatching(/^row 2: piecesPerPack: /),
      expect.stringMatching(/^row 3: category: expected one of drug, herbal.*got "糖果"/),
      'row 4: id "P1" already used on row 2',
    ]);
  });

  it('refuses unknown or missing columns', () => {
    expect(parseCatalogCsv(Buffer.from('id,name,colour\n1,a,red\n')).problems).toEqual(
      expect.arrayContaining(['header: unknown column "colour"', 'header: missing column "spec"', 'header: missing column "pricePerPack"']),
    );
  });

  it('converts yuan to fen exactly', () => {
    expect(yuanTextToFen('0.1')).toBe(10);
    expect(yuanTextToFen('19.99')).toBe(1999);
    expect(yuanTextToFen('1234567.05')).toBe(123456705);
    expect(yuanTextToFen('1.005')).toBeUndefined();
    expect(yuanTextToFen('-1')).toBeUndefined();
  });
});
