// HID-POS barcode scanner decoder (USB HID usage page 0x8C, "Scanned Data Report"), pure: reports in,
// scans and warnings out. The input report as Honeywell, Zebra, Datalogic and Access-IS scanners send
// it through hidraw (64 bytes; the report id is byte 0):
//
//   byte 0       report id 0x02 (scanned data)
//   byte 1       number of data bytes in THIS report (0..56)
//   bytes 2-4    AIM symbology identifier, e.g. "]d2" (Data Matrix, GS1), "]E0" (EAN-13), "]C1" (GS1-128)
//   bytes 5-60   data, zero padded
//   byte 61      vendor symbology id (Honeywell code id; ignored here)
//   byte 62      reserved
//   byte 63      bit 0 = more data follows in the next report
//
// A long code spans several reports; they are concatenated until a report clears the flag. Shorter or
// longer reports keep the same shape: data capacity = report length - 8, flag in the last byte.

export const HID_POS_USAGE_PAGE = 0x8c;
export const HID_POS_SCANNED_DATA_REPORT = 0x02;

const HEADER = 5; // report id, length, AIM x3
const TRAILER = 3; // vendor id, reserved, flags
const MAX_SCAN = 8192;

export type DecodeOutput = { kind: 'scan'; text: string; symbology?: string } | { kind: 'warning'; message: string };

export class HidPosDecoder {
  private data: number[] = [];
  private symbology: string | undefined;
  private pending = false;

  feed(report: Uint8Array): DecodeOutput[] {
    const reportId = report[0];
    if (reportId === undefined) return [warning('empty HID-POS report ignored')];
    if (reportId !== HID_POS_SCANNED_DATA_REPORT) {
      return [
        warning(`HID-POS report id 0x${hex(reportId)} is not scanned data (0x02): ignored (is this the scanner's keyboard interface? check scanners[].mode)`),
      ];
    }
    const capacity = report.length - HEADER - TRAILER;
    const length = report[1] ?? 0;
    if (capacity < 0 || length > capacity) {
      const dropped = this.pending ? ' and the scan it continued' : '';
      this.reset();
      return [
        warning(
          `HID-POS report with data length ${length} but room for ${Math.max(capacity, 0)} bytes (report is ${report.length} bytes): report${dropped} discarded`,
        ),
      ];
    }
    if (!this.pending) this.symbology = aim(report);
    for (let i = 0; i < length; i++) this.data.push(report[HEADER + i] ?? 0);
    const more = ((report[report.length - 1] ?? 0) & 0x01) === 1;
    if (more && this.data.length > MAX_SCAN) {
      this.reset();
      return [warning(`HID-POS scan longer than ${MAX_SCAN} bytes (the more-data flag never cleared): discarded`)];
    }
    if (more) {
      this.pending = true;
      return [];
    }
    const text = String.fromCharCode(...this.data);
    const symbology = this.symbology;
    this.reset();
    if (text.length === 0) return [];
    return [symbology === undefined ? { kind: 'scan', text } : { kind: 'scan', text, symbology }];
  }

  /** Drops a scan whose continuation never came (device lost mid-scan); returns a warning if there was one. */
  reset(): DecodeOutput[] {
    const had = this.pending;
    this.data = [];
    this.symbology = undefined;
    this.pending = false;
    return had ? [warning('HID-POS scan cut off before its last report: discarded')] : [];
  }
}

/** "]xy" when bytes 2-4 hold a printable AIM id; scanners with AIM ids switched off send zeros. */
function aim(report: Uint8Array): string | undefined {
  const a = report[2];
  const b = report[3];
  const c = report[4];
  if (a !== 0x5d || b === undefined || c === undefined || b < 0x21 || b > 0x7e || c < 0x21 || c > 0x7e) return undefined;
  return String.fromCharCode(a, b, c);
}

function warning(message: string): DecodeOutput {
  return { kind: 'warning', message };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
