/**
 * The few MAPI properties of a TNEF attAttachment attribute that matter for a file: its long name,
 * MIME type, method and, for some senders, its bytes. Layout per [MS-OXTNEF] 2.1.3.4
 * (MsgPropertyList): a count, then per property its type and id, a name for named properties,
 * and values padded to 4 bytes; variable-size values carry a value count and a length each.
 */

export interface AttachProps {
  longName?: string;
  mimeType?: string;
  /** PidTagAttachMethod; 5 (afEmbeddedMessage) holds a message, not a file. */
  method?: number;
  /**
   * PidTagAttachmentHidden: Outlook hides images shown in the body from the attachment list. A
   * content id alone does not tell (Exchange gives one to ordinary attachments too).
   */
  embedded?: boolean;
  data?: Buffer;
}

const PID_ATTACH_DATA = 0x3701; // PidTagAttachDataBinary / PidTagAttachDataObject
const PID_ATTACH_LONG_FILENAME = 0x3707;
const PID_ATTACH_METHOD = 0x3705;
const PID_ATTACH_MIME_TAG = 0x370e;
const PID_ATTACHMENT_HIDDEN = 0x7ffe;

const MULTI_VALUE = 0x1000;
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const VARIABLE = new Set([PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT]);
/**
 * Bytes per fixed-size value including the padding to 4 ([MS-OXTNEF] 2.1.3.4, [MS-OXCDATA] 2.11.1).
 * Every size is at least 4, so a forged value count cannot loop without consuming the buffer.
 */
const FIXED: ReadonlyMap<number, number> = new Map([
  [0x0002, 4], // PtypInteger16
  [0x0003, 4], // PtypInteger32
  [0x0004, 4], // PtypFloating32
  [0x0005, 8], // PtypFloating64
  [0x0006, 8], // PtypCurrency
  [0x0007, 8], // PtypFloatingTime
  [0x000a, 4], // PtypErrorCode
  [0x000b, 4], // PtypBoolean
  [0x0014, 8], // PtypInteger64
  [0x0040, 8], // PtypTime
  [0x0048, 16], // PtypGuid
]);

/** Reads what it can; a truncated or unknown-typed list keeps the properties read before it. */
export function readAttachProps(buf: Buffer, decode8: (b: Buffer) => string): AttachProps {
  const props: AttachProps = {};
  let pos = 0;
  const take = (n: number): Buffer => {
    if (n < 0 || pos + n > buf.length) throw new RangeError('truncated property list');
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u16 = () => take(2).readUInt16LE(0);
  const u32 = () => take(4).readUInt32LE(0);
  try {
    for (let count = u32(); count > 0; count--) {
      const type = u16();
      const id = u16();
      if (id >= 0x8000) {
        take(16); // property set GUID
        if (u32() === 0) take(4);
        else take(pad4(u32()));
      }
      const base = type & ~MULTI_VALUE;
      const variable = VARIABLE.has(base);
      const values = type & MULTI_VALUE || variable ? u32() : 1;
      for (let v = 0; v < values; v++) {
        if (variable) {
          const length = u32();
          const value = take(length);
          take(pad4(length) - length);
          if (v === 0 && !(type & MULTI_VALUE)) assign(props, id, base, value, decode8);
          continue;
        }
        const size = FIXED.get(base);
        if (size === undefined) return props;
        const value = take(size);
        if (id === PID_ATTACH_METHOD && size === 4) props.method = value.readUInt32LE(0);
        if (id === PID_ATTACHMENT_HIDDEN && size === 4 && value.readUInt16LE(0) !== 0) props.embedded = true;
      }
    }
  } catch {
    // keep what was read
  }
  return props;
}

function assign(props: AttachProps, id: number, type: number, value: Buffer, decode8: (b: Buffer) => string) {
  const text = () => (type === PT_UNICODE ? value.toString('utf16le') : decode8(value)).replace(/\0+$/, '');
  if (id === PID_ATTACH_LONG_FILENAME && (type === PT_STRING8 || type === PT_UNICODE))
    props.longName = text();
  if (id === PID_ATTACH_MIME_TAG && (type === PT_STRING8 || type === PT_UNICODE)) props.mimeType = text();
  if (id === PID_ATTACH_DATA && type === PT_BINARY) props.data = value;
}

const pad4 = (n: number) => Math.ceil(n / 4) * 4;
