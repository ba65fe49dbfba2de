// Run one worker once on workerd (through the Miniflare that the pinned wrangler brings)
// and print, as JSON, the structured log records workerd wrote for it: [{level, message}].
//   node structured_logs.cjs WRANGLER_PREFIX WORKER.js
// workerd writes a record per console line itself (its own level names); Miniflare only
// parses them, so this is what a tail worker and `wrangler dev` get.
const fs = require("node:fs");
const path = require("node:path");

const [prefix, scriptPath] = process.argv.slice(2);
const { Miniflare } = require(path.join(prefix, "node_modules", "miniflare"));

(async () => {
  const logs = [];
  const mf = new Miniflare({
    modules: true,
    script: fs.readFileSync(scriptPath, "utf8"),
    compatibilityDate: "2024-09-23",
    handleStructuredLogs: ({ level, message }) => { logs.push({ level, message }); },
  });
  try {
    const response = await mf.dispatchFetch("http://levels.example.com/");
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the log stream is read asynchronously
  } finally {
    await mf.dispose();
  }
  process.stdout.write(JSON.stringify(logs));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
