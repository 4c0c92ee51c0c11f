// Embedding ecslite in a test suite: `const server = await startServer({...defaultConfig(), port: 0, inMemory: true})`.
export { startServer, type RunningServer } from "./server";
export { defaultConfig, parseConfig, type Config } from "./config";
