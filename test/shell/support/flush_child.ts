/**
 * Child for log_flush.test.ts: logs `count` numbered lines through the real logger (asynchronous
 * stdout), then "last", then flushLogger() and process.exit — as serve.ts does after "stopped".
 */
import { createLogger, flushLogger } from "../../../src/shell/log.ts";

const count = Number(process.argv[2] ?? "3000");
const log = createLogger({ level: "info", format: "json" }, { isTty: false });
for (let i = 0; i < count; i++) log.info({ n: i, pad: "x".repeat(100) }, "line");
log.info("last");
await flushLogger();
process.exit(0);
