// Drops the rules no built page can use from style sheets, in place, with PurgeCSS.
// Called by flowdocs_weight.py with a JSON object on standard input: "purgecss" (the
// npm package's folder), "content" (globs of the pages and scripts whose words count
// as used), "css" (the style sheets to cut), "safelist" (patterns, as regular
// expressions, of selectors kept whatever) and "variables" (custom properties that
// scripts read by name). Prints each sheet's bytes before and after.
const fs = require("node:fs");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const job = JSON.parse(input);
  const { PurgeCSS } = require(job.purgecss);
  const results = await new PurgeCSS().purge({
    content: job.content,
    css: job.css,
    safelist: {
      greedy: job.safelist.map((pattern) => new RegExp(pattern)),
      variables: job.variables,
    },
    variables: true, // custom properties no kept rule reads
    keyframes: true, // animations no kept rule runs
  });
  const sizes = {};
  for (const result of results) {
    sizes[result.file] = [fs.statSync(result.file).size, Buffer.byteLength(result.css)];
    fs.writeFileSync(result.file, result.css);
  }
  process.stdout.write(JSON.stringify(sizes));
});
