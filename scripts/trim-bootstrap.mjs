// Bootstrap's CSS less the rules no page of ours can match (PurgeCSS over our templates, crispy-forms' and
// Django's widget templates, and the Python that writes class names): `make css` runs it after a template
// change; tests/site_config/test_static_files.py fails when a class a template uses was trimmed away.
// Usage: node scripts/trim-bootstrap.mjs <site-packages dir> <path to the purgecss package>
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [sitePackages, purgecssPackage] = process.argv.slice(2);
const { PurgeCSS } = await import(pathToFileURL(path.join(purgecssPackage, 'lib', 'purgecss.esm.js')));
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const [result] = await new PurgeCSS().purge({
  content: [
    `${root}/templates/**/*.html`,
    `${root}/themes/**/*.html`,
    `${root}/{messaging,rooms,people,presence,realtime,site_config}/**/*.py`,
    `${sitePackages}/crispy_bootstrap5/templates/**/*.html`,
    `${sitePackages}/crispy_forms/templates/**/*.html`,
    `${sitePackages}/django/forms/templates/**/*.html`,
    `${sitePackages}/django/forms/widgets.py`,
  ],
  css: [`${root}/static/vendor/bootstrap/bootstrap.min.css`],
  safelist: { standard: [/^:root$/], greedy: [/data-bs-theme/] },
  keyframes: true,
  fontFace: true,
});
const header = '/* Bootstrap 5.3.9 (MIT), trimmed by scripts/trim-bootstrap.mjs: do not edit, run `make css`. */\n';
fs.writeFileSync(`${root}/static/vendor/bootstrap/bootstrap.trimmed.css`, header + result.css);
console.log(`bootstrap.trimmed.css: ${result.css.length} bytes`);
