// A CSV tab must be UTF-8: a latin-1 "é" read as UTF-8 becomes U+FFFD in staging and in the lake, for ever.
import { isUtf8 } from "node:buffer";
import { MappingError } from "./validate.ts";

/** The text of a UTF-8 file, or a MappingError naming the file, the line and the first byte that is not UTF-8. */
export function readUtf8(bytes: Buffer, file: string): string {
  if (isUtf8(bytes)) return bytes.toString("utf8");
  const at = firstInvalidByte(bytes);
  const where =
    at < 0
      ? "it holds a byte sequence that is not UTF-8"
      : `line ${countLines(bytes, at)}, byte ${at} (0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")}) is not UTF-8`;
  throw new MappingError(
    `mapping ${file} refused: ${where}; save the file as UTF-8 (Excel: "CSV UTF-8"; LibreOffice: character set "Unicode (UTF-8)"); nothing of this tab was loaded, the models keep its last good snapshot`,
  );
}

/** Offset of the first byte that starts no valid UTF-8 sequence (overlong forms aside: isUtf8 decides those). */
function firstInvalidByte(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const tail = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (tail < 0) return i;
    for (let k = 1; k <= tail; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += tail + 1;
  }
  return -1;
}

function countLines(b: Buffer, end: number): number {
  let lines = 1;
  for (let i = 0; i < end; i++) if (b[i] === 0x0a) lines++;
  return lines;
}
