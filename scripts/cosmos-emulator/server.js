#!/usr/bin/env node
// Starts @vercel/cosmosdb-server, an in-memory Cosmos DB (NoSQL) server, for the tests of
// handlers/cosmosruns (handlers/cosmosruns/emulator_test.go starts it; `npm ci` here first).
//
// Environment:
//   COSMOS_EMULATOR_CERT, COSMOS_EMULATOR_KEY  PEM certificate and key to serve HTTPS with (required:
//                                              the package's own certificate expired in 2021)
//   COSMOS_EMULATOR_HOST                       address to listen on (default 127.0.0.1)
//   COSMOS_EMULATOR_PORT                       port (default 0: any free port)
//
// HTTPS only: the server advertises https:// endpoints to clients, which then use them. It prints
// one line `listening PORT` once it accepts connections, and exits when its standard input closes
// (the process that started it ended), or on SIGTERM or SIGINT.
"use strict";

const { createHttpsServer } = require("@vercel/cosmosdb-server");

const cert = process.env.COSMOS_EMULATOR_CERT;
const key = process.env.COSMOS_EMULATOR_KEY;
if (!cert || !key) {
  console.error("server.js: set COSMOS_EMULATOR_CERT and COSMOS_EMULATOR_KEY (PEM)");
  process.exit(2);
}
const host = process.env.COSMOS_EMULATOR_HOST || "127.0.0.1";
const port = parseInt(process.env.COSMOS_EMULATOR_PORT || "0", 10);

const server = createHttpsServer({ cert, key, keepAlive: true });
server.on("error", (err) => {
  console.error(`server.js: ${err.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
