// The GS1 Application Identifier table as data: every AI of the GS1 Barcode Syntax Dictionary
// (gs1/gs1-syntax-engine, src/c-lib/gs1-syntax-dictionary.txt, release 2026-01-27, Apache-2.0), which
// GS1 maintains to match the GS1 General Specifications section 3 (AI definitions) and figure 7.8.5-2
// (AIs with a pre-defined length, no FNC1 separator needed after them).
// Columns: AI or AI range, pre-defined length ("*" flag in the dictionary), and the data specification:
// space-separated components `Type[,linter...]`, type N numeric / X CSET 82 / Y CSET 39 / Z CSET 64,
// `N14` exactly 14, `X..20` 1 to 20 (only the last component is variable), `[...]` optional.
// Titles and the req/ex/dlpkey attributes are left out: the box reads element strings, it does not
// check AI associations beyond requiring (01).

export type Cset = 'N' | 'X' | 'Y' | 'Z';

export interface AiComponent {
  cset: Cset;
  min: number;
  max: number;
  optional: boolean;
  /** Syntax Dictionary linter names; gs1.ts applies those it implements (see LINTERS there). */
  linters: string[];
}

export interface AiEntry {
  ai: string;
  /** In GenSpecs figure 7.8.5-2: the value has a fixed length and no separator follows it. */
  predefined: boolean;
  components: AiComponent[];
}

const TABLE: readonly (readonly [string, boolean, string])[] = [
  ['00', true, 'N18,csum,gcppos2'],
  ['01', true, 'N14,csum,gcppos2'],
  ['02', true, 'N14,csum,gcppos2'],
  ['03', true, 'N14,csum,gcppos2'],
  ['10', false, 'X..20'],
  ['11', true, 'N6,yymmd0'],
  ['12', true, 'N6,yymmd0'],
  ['13', true, 'N6,yymmd0'],
  ['15', true, 'N6,yymmd0'],
  ['16', true, 'N6,yymmd0'],
  ['17', true, 'N6,yymmd0'],
  ['20', true, 'N2'],
  ['21', false, 'X..20'],
  ['22', false, 'X..20'],
  ['235', false, 'X..28'],
  ['240', false, 'X..30'],
  ['241', false, 'X..30'],
  ['242', false, 'N..6'],
  ['243', false, 'X..20'],
  ['250', false, 'X..30'],
  ['251', false, 'X..30'],
  ['253', false, 'N13,csum,gcppos1 [X..17]'],
  ['254', false, 'X..20'],
  ['255', false, 'N13,csum,gcppos1 [N..12]'],
  ['30', false, 'N..8'],
  ['3100-3105', true, 'N6'],
  ['3110-3115', true, 'N6'],
  ['3120-3125', true, 'N6'],
  ['3130-3135', true, 'N6'],
  ['3140-3145', true, 'N6'],
  ['3150-3155', true, 'N6'],
  ['3160-3165', true, 'N6'],
  ['3200-3205', true, 'N6'],
  ['3210-3215', true, 'N6'],
  ['3220-3225', true, 'N6'],
  ['3230-3235', true, 'N6'],
  ['3240-3245', true, 'N6'],
  ['3250-3255', true, 'N6'],
  ['3260-3265', true, 'N6'],
  ['3270-3275', true, 'N6'],
  ['3280-3285', true, 'N6'],
  ['3290-3295', true, 'N6'],
  ['3300-3305', true, 'N6'],
  ['3310-3315', true, 'N6'],
  ['3320-3325', true, 'N6'],
  ['3330-3335', true, 'N6'],
  ['3340-3345', true, 'N6'],
  ['3350-3355', true, 'N6'],
  ['3360-3365', true, 'N6'],
  ['3370-3375', true, 'N6'],
  ['3400-3405', true, 'N6'],
  ['3410-3415', true, 'N6'],
  ['3420-3425', true, 'N6'],
  ['3430-3435', true, 'N6'],
  ['3440-3445', true, 'N6'],
  ['3450-3455', true, 'N6'],
  ['3460-3465', true, 'N6'],
  ['3470-3475', true, 'N6'],
  ['3480-3485', true, 'N6'],
  ['3490-3495', true, 'N6'],
  ['3500-3505', true, 'N6'],
  ['3510-3515', true, 'N6'],
  ['3520-3525', true, 'N6'],
  ['3530-3535', true, 'N6'],
  ['3540-3545', true, 'N6'],
  ['3550-3555', true, 'N6'],
  ['3560-3565', true, 'N6'],
  ['3570-3575', true, 'N6'],
  ['3600-3605', true, 'N6'],
  ['3610-3615', true, 'N6'],
  ['3620-3625', true, 'N6'],
  ['3630-3635', true, 'N6'],
  ['3640-3645', true, 'N6'],
  ['3650-3655', true, 'N6'],
  ['3660-3665', true, 'N6'],
  ['3670-3675', true, 'N6'],
  ['3680-3685', true, 'N6'],
  ['3690-3695', true, 'N6'],
  ['37', false, 'N..8'],
  ['3900-3909', false, 'N..15'],
  ['3910-3919', false, 'N3,iso4217 N..15'],
  ['3920-3929', false, 'N..15'],
  ['3930-3939', false, 'N3,iso4217 N..15'],
  ['3940-3943', false, 'N4'],
  ['3950-3955', false, 'N6'],
  ['400', false, 'X..30'],
  ['401', false, 'X..30,gcppos1'],
  ['402', false, 'N17,csum,gcppos1'],
  ['403', false, 'X..30'],
  ['410', true, 'N13,csum,gcppos1'],
  ['411', true, 'N13,csum,gcppos1'],
  ['412', true, 'N13,csum,gcppos1'],
  ['413', true, 'N13,csum,gcppos1'],
  ['414', true, 'N13,csum,gcppos1'],
  ['415', true, 'N13,csum,gcppos1'],
  ['416', true, 'N13,csum,gcppos1'],
  ['417', true, 'N13,csum,gcppos1'],
  ['420', false, 'X..20'],
  ['421', false, 'N3,iso3166 X..9'],
  ['422', false, 'N3,iso3166'],
  ['423', false, 'N3,iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166'],
  ['424', false, 'N3,iso3166'],
  ['425', false, 'N3,iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166'],
  ['426', false, 'N3,iso3166'],
  ['427', false, 'X..3'],
  ['4300', false, 'X..35,pcenc'],
  ['4301', false, 'X..35,pcenc'],
  ['4302', false, 'X..70,pcenc'],
  ['4303', false, 'X..70,pcenc'],
  ['4304', false, 'X..70,pcenc'],
  ['4305', false, 'X..70,pcenc'],
  ['4306', false, 'X..70,pcenc'],
  ['4307', false, 'X2,iso3166alpha2'],
  ['4308', false, 'X..30'],
  ['4309', false, 'N10,latitude N10,longitude'],
  ['4310', false, 'X..35,pcenc'],
  ['4311', false, 'X..35,pcenc'],
  ['4312', false, 'X..70,pcenc'],
  ['4313', false, 'X..70,pcenc'],
  ['4314', false, 'X..70,pcenc'],
  ['4315', false, 'X..70,pcenc'],
  ['4316', false, 'X..70,pcenc'],
  ['4317', false, 'X2,iso3166alpha2'],
  ['4318', false, 'X..20'],
  ['4319', false, 'X..30'],
  ['4320', false, 'X..35,pcenc'],
  ['4321', false, 'N1,yesno'],
  ['4322', false, 'N1,yesno'],
  ['4323', false, 'N1,yesno'],
  ['4324', false, 'N6,yymmd0 N4,hhmi'],
  ['4325', false, 'N6,yymmd0 N4,hhmi'],
  ['4326', false, 'N6,yymmdd'],
  ['4330', false, 'N6 [X1],hyphen'],
  ['4331', false, 'N6 [X1],hyphen'],
  ['4332', false, 'N6 [X1],hyphen'],
  ['4333', false, 'N6 [X1],hyphen'],
  ['7001', false, 'N13'],
  ['7002', false, 'X..30'],
  ['7003', false, 'N6,yymmdd N4,hhmi'],
  ['7004', false, 'N..4'],
  ['7005', false, 'X..12'],
  ['7006', false, 'N6,yymmdd'],
  ['7007', false, 'N6,yymmdd [N6],yymmdd'],
  ['7008', false, 'X..3'],
  ['7009', false, 'X..10'],
  ['7010', false, 'X..2'],
  ['7011', false, 'N6,yymmdd [N4],hhmi'],
  ['7020', false, 'X..20'],
  ['7021', false, 'X..20'],
  ['7022', false, 'X..20'],
  ['7023', false, 'X..30,gcppos1'],
  ['7030', false, 'N3,iso3166999 X..27'],
  ['7031', false, 'N3,iso3166999 X..27'],
  ['7032', false, 'N3,iso3166999 X..27'],
  ['7033', false, 'N3,iso3166999 X..27'],
  ['7034', false, 'N3,iso3166999 X..27'],
  ['7035', false, 'N3,iso3166999 X..27'],
  ['7036', false, 'N3,iso3166999 X..27'],
  ['7037', false, 'N3,iso3166999 X..27'],
  ['7038', false, 'N3,iso3166999 X..27'],
  ['7039', false, 'N3,iso3166999 X..27'],
  ['7040', false, 'N1 X1 X1 X1,importeridx'],
  ['7041', false, 'X..4,packagetype'],
  ['710', false, 'X..20'],
  ['711', false, 'X..20'],
  ['712', false, 'X..20'],
  ['713', false, 'X..20'],
  ['714', false, 'X..20'],
  ['715', false, 'X..20'],
  ['716', false, 'X..20'],
  ['717', false, 'X..20'],
  ['7230', false, 'X2 X..28'],
  ['7231', false, 'X2 X..28'],
  ['7232', false, 'X2 X..28'],
  ['7233', false, 'X2 X..28'],
  ['7234', false, 'X2 X..28'],
  ['7235', false, 'X2 X..28'],
  ['7236', false, 'X2 X..28'],
  ['7237', false, 'X2 X..28'],
  ['7238', false, 'X2 X..28'],
  ['7239', false, 'X2 X..28'],
  ['7240', false, 'X..20'],
  ['7241', false, 'N2,mediatype'],
  ['7242', false, 'X..25'],
  ['7250', false, 'N8,yyyymmdd'],
  ['7251', false, 'N8,yyyymmdd N4,hhmi'],
  ['7252', false, 'N1,iso5218'],
  ['7253', false, 'X..40,pcenc'],
  ['7254', false, 'X..40,pcenc'],
  ['7255', false, 'X..10'],
  ['7256', false, 'X..90,pcenc'],
  ['7257', false, 'X..70,pcenc'],
  ['7258', false, 'X3,posinseqslash'],
  ['7259', false, 'X..40,pcenc'],
  ['8001', false, 'N4,nonzero N5,nonzero N3,nonzero N1,winding N1'],
  ['8002', false, 'X..20'],
  ['8003', false, 'N1,zero N13,csum,gcppos1 [X..16]'],
  ['8004', false, 'X..30,gcppos1'],
  ['8005', false, 'N6'],
  ['8006', false, 'N14,csum,gcppos2 N4,pieceoftotal'],
  ['8007', false, 'X..34,iban'],
  ['8008', false, 'N6,yymmdd N2,hh [N2],mi [N2],ss'],
  ['8009', false, 'X..50'],
  ['8010', false, 'Y..30,gcppos1'],
  ['8011', false, 'N..12,nozeroprefix'],
  ['8012', false, 'X..20'],
  ['8013', false, 'X..25,csumalpha,gcppos1'],
  ['8014', false, 'X..25,csumalpha,gcppos1,hasnondigit'],
  ['8017', false, 'N18,csum,gcppos1'],
  ['8018', false, 'N18,csum,gcppos1'],
  ['8019', false, 'N..10'],
  ['8020', false, 'X..25'],
  ['8026', false, 'N14,csum,gcppos2 N4,pieceoftotal'],
  ['8030', false, 'Z..90'],
  ['8040', false, 'N15'],
  ['8041', false, 'N15'],
  ['8042', false, 'N32'],
  ['8043', false, 'N18 [N..2]'],
  ['8110', false, 'X..70,couponcode'],
  ['8111', false, 'N4'],
  ['8112', false, 'X..70,couponposoffer'],
  ['8200', false, 'X..70'],
  ['90', false, 'X..30'],
  ['91-99', false, 'X..90'],
];

function parseComponent(text: string, ai: string): AiComponent {
  const m = /^(\[)?([NXYZ])(\.\.)?([0-9]+)(\])?((?:,[a-z0-9]+)*)$/.exec(text);
  if (!m) throw new Error(`GS1 AI table: bad component ${JSON.stringify(text)} for (${ai})`);
  const max = Number(m[4]);
  return {
    cset: m[2] as Cset,
    min: m[3] ? 1 : max,
    max,
    optional: m[1] === '[',
    linters: (m[6] ?? '').split(',').filter((l) => l !== ''),
  };
}

function expand(range: string): string[] {
  const [from, to] = range.split('-') as [string, string | undefined];
  if (to === undefined) return [from];
  const out: string[] = [];
  for (let n = Number(from); n <= Number(to); n++) out.push(String(n).padStart(from.length, '0'));
  return out;
}

const ENTRIES = new Map<string, AiEntry>();
for (const [range, predefined, spec] of TABLE) {
  for (const ai of expand(range)) {
    ENTRIES.set(ai, { ai, predefined, components: spec.split(' ').map((c) => parseComponent(c, ai)) });
  }
}

/** The AI table entry for exactly this AI, or undefined when GS1 assigns no such AI. */
export function aiEntry(ai: string): AiEntry | undefined {
  return ENTRIES.get(ai);
}

/** The AI that begins `text` at `pos` (AIs are prefix-free, so at most one of 2, 3 or 4 digits matches). */
export function aiAt(text: string, pos: number): AiEntry | undefined {
  for (let len = 2; len <= 4; len++) {
    const e = ENTRIES.get(text.slice(pos, pos + len));
    if (e) return e;
  }
  return undefined;
}

/** True when some assigned AI begins with these two digits. */
export function aiPrefixAssigned(prefix: string): boolean {
  for (const ai of ENTRIES.keys()) if (ai.startsWith(prefix)) return true;
  return false;
}

/** Characters of a pre-defined-length value: the sum of its components. */
export function predefinedLength(e: AiEntry): number {
  return e.components.reduce((n, c) => n + c.max, 0);
}
