import {
  ConfigError,
  DEMO_SEED,
  REDACTED_PATHS,
  appRouter,
  createGatehouseServer,
  createLogger,
  parseConfig,
  parseSeed
} from "./chunk-CIWFY6BM.js";

// src/http/log-line-collector.ts
import { Writable } from "node:stream";
function createLogLineCollector() {
  const lines = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    }
  });
  return { destination, lines };
}
export {
  ConfigError,
  DEMO_SEED,
  REDACTED_PATHS,
  appRouter,
  createGatehouseServer,
  createLogLineCollector,
  createLogger,
  parseConfig,
  parseSeed
};
//# sourceMappingURL=index.js.map
