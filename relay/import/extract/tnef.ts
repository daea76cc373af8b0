import { readAttachProps } from './tnef-props.js';

/**
 * The files inside a TNEF stream (winmail.dat, application/ms-tnef), which Outlook sends instead
 * of MIME attachments when rich text is on. [MS-OXTNEF] 2.1.3: a signature, a legacy key, then
 * attributes of (level, id, length, data, checksum). An attachment begins with attAttachRendData;
 * its short name is attAttachTitle, its bytes attAttachData, its long name and MIME type sit in
 * the MAPI properties of attAttachment. Only files are returned: embedded messages (attach
 * method 5) and OLE objects are not searched.
 */

export interface TnefFile {
  /** The long name when the sender gave one, else the 8.3 title. */
  name: string | null;
  mimeType: string | null;
  /** Hidden from the attachment list because the body shows it, like a cid: image in HTML. */
  embedded: boolean;
  data: Buffer;
}

export interface TnefContent {
  files: TnefFile[];
  /** Why reading stopped early, in words; null when the stream was read to its end. */
  problem: string | null;
}

const SIGNATURE = 0x223e9f78;
const LEVEL_ATTACHMENT = 0x02;
const ATT_OEM_CODEPAGE = 0x00069007;
const ATT_ATTACH_REND_DATA = 0x00069002;
const ATT_ATTACH_TITLE = 0x00018010;
const ATT_ATTACH_DATA = 0x0006800f;
const ATT_ATTACHMENT = 0x00069005;
const AF_EMBEDDED_MESSAGE = 5;

interface Pending {
  title?: string;
  longName?: string;
  mimeType?: string;
  method?: number;
  embedded?: boolean;
  data?: Buffer;
}

/** Never throws on bad input: what was read before a truncation or a bad signature is kept. */
export function readTnef(buf: Buffer): TnefContent {
  if (buf.length < 6 || buf.readUInt32LE(0) !== SIGNATURE) return { files: [], problem: 'not a TNEF stream' };
  let decode8 = codepageDecoder(1252);
  const pending: Pending[] = [];
  let problem: string | null = null;
  // 4 bytes signature, 2 bytes legacy key; each attribute has 9 bytes before and 2 after its data.
  for (let pos = 6; pos < buf.length; ) {
    if (pos + 9 > buf.length) {
      problem = 'TNEF stream ends inside an attribute header';
      break;
    }
    const level = buf.readUInt8(pos);
    const id = buf.readUInt32LE(pos + 1);
    const end = pos + 9 + buf.readUInt32LE(pos + 5);
    if (end > buf.length) {
      problem = 'TNEF stream ends inside an attribute';
      break;
    }
    const data = buf.subarray(pos + 9, end);
    pos = end + 2; // the checksum is not verified: a bad one would only lose a readable file
    if (id === ATT_OEM_CODEPAGE && data.length >= 4) decode8 = codepageDecoder(data.readUInt32LE(0));
    if (level !== LEVEL_ATTACHMENT) continue;
    if (id === ATT_ATTACH_REND_DATA || pending.length === 0) pending.push({});
    const current = pending[pending.length - 1] as Pending;
    if (id === ATT_ATTACH_TITLE) current.title = decode8(data).replace(/\0+$/, '');
    else if (id === ATT_ATTACH_DATA) current.data = data;
    else if (id === ATT_ATTACHMENT) {
      const props = readAttachProps(data, decode8);
      Object.assign(current, props, { data: current.data ?? props.data });
    }
  }
  const files = pending.flatMap((p): TnefFile[] =>
    p.data && p.method !== AF_EMBEDDED_MESSAGE
      ? [
          {
            name: p.longName || p.title || null,
            mimeType: p.mimeType || null,
            embedded: !!p.embedded,
            data: p.data,
          },
        ]
      : [],
  );
  return { files, problem };
}

/** 8-bit strings are in the sender's ANSI code page (attOemCodepage, [MS-OXTNEF] 2.1.3.3.2). */
function codepageDecoder(codepage: number): (b: Buffer) => string {
  try {
    const decoder = new TextDecoder(codepage === 65001 ? 'utf-8' : `windows-${codepage}`);
    return (b) => decoder.decode(b);
  } catch {
    return (b) => b.toString('latin1');
  }
}
