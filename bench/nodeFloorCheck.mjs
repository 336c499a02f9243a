// The least a YAML check can cost in Node: the floor bench:workspace shows beside `flux-oci check`
// and kubeconform (issue 18). It walks the folder (skipping .git and node_modules, no .gitignore),
// reads every YAML file and runs the yaml library's Lexer over it: the first step of any parse,
// with no document built and nothing validated. It is no product code: it only tells how much of a
// figure is Node's own. `node bench/nodeFloorCheck.mjs <folder>` prints the files and tokens seen.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Lexer } from 'yaml';

const files = [];
const walk = (folder) => {
  for (const e of readdirSync(folder, { withFileTypes: true })) {
    const abs = path.join(folder, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.git' && e.name !== 'node_modules') walk(abs);
    } else if (/\.ya?ml$/i.test(e.name)) files.push(abs);
  }
};
walk(path.resolve(process.argv[2] ?? '.'));
let tokens = 0;
for (const file of files) for (const _ of new Lexer().lex(readFileSync(file, 'utf8'))) tokens++;
console.log(JSON.stringify({ files: files.length, tokens }));
