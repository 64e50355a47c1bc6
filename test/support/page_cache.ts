/**
 * Drop a file's clean page-cache pages (posix_fadvise POSIX_FADV_DONTNEED), so it is read back from
 * disk page by page, as a binary is at boot: a file just written may sit in large folios that
 * MADV_PAGEOUT leaves (src/shell/memory/startup_pages.ts). Used by the start-up page tests and by the
 * benchmarks' binary copies (bench/support/binary_copy.ts).
 * @module
 */
import { dlopen, FFIType } from "bun:ffi";

/** posix_fadvise advice (bits/fcntl-linux.h): drop this file's clean page-cache pages. */
const POSIX_FADV_DONTNEED = 4;

/** posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) on the open `fd` (synced first by the caller): 0, or the error number. */
export function dropPageCache(fd: number): number {
  const libc = dlopen("libc.so.6", { posix_fadvise: { args: [FFIType.i32, FFIType.i64, FFIType.i64, FFIType.i32], returns: FFIType.i32 } });
  try {
    return libc.symbols.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  } finally {
    libc.close();
  }
}
