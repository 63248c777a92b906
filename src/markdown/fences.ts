/** A line that opens or closes a fenced code block: up to 3 spaces, then ``` or ~~~ (3 or more). */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

export interface FenceState {
  /** The line that opened the block still open at the end of the text, if any. */
  openLine?: string;
  /** Its fence characters (``` or ~~~~ …), to close it with. */
  marker?: string;
  /** Where that line starts in the text. */
  openAt?: number;
}

/** Scans whole lines and reports whether the text ends inside a fenced code block. */
export function fenceStateAt(text: string): FenceState {
  let open: { line: string; marker: string; at: number } | undefined;
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end);
    const m = FENCE.exec(line);
    if (m) {
      const marker = m[1]!;
      if (!open) open = { line: line.trimStart(), marker, at: start };
      // A closing fence uses the same character, at least as long, with nothing after it.
      else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && m[2]!.trim() === '') open = undefined;
    }
    if (end === -1) break;
    start = end + 1;
  }
  return open ? { openLine: open.line, marker: open.marker, openAt: open.at } : {};
}
