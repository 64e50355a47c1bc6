/**
 * Read a child's output stream line by line, each parsed as JSON (a line that is not JSON becomes
 * `{ msg: text }`); resolves when the stream ends.
 */
export async function readJsonLines(stream: ReadableStream<Uint8Array>, onLine: (line: Record<string, unknown>, text: string) => void): Promise<void> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      onLine(line, text);
    }
  }
}
