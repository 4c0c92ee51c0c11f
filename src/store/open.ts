// Chooses the store a configuration asks for.
import * as path from "node:path";
import type { Config } from "../config";
import { SqliteStore } from "./sqlite";
import type { Store } from "./store";

export async function openStore(config: Config): Promise<Store> {
  if (config.postgresUrl) {
    const { PostgresStore } = await import("./postgres");
    return PostgresStore.connect(config.postgresUrl, { freezeRecords: config.freezeRecords });
  }
  return new SqliteStore({ ...(config.inMemory ? {} : { dataDir: path.resolve(config.dataDir) }), freezeRecords: config.freezeRecords });
}
