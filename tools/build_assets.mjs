// Copy the vendored front-end packages into Django's static tree, so that
// collectstatic and whitenoise serve them like any other static file.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const target = "src/commonweal/static/vendor";
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const part of ["css", "fonts", "img", "js"]) {
  cpSync(`node_modules/@uswds/uswds/dist/${part}`, `${target}/uswds/${part}`, { recursive: true });
}
cpSync("node_modules/htmx.org/dist/htmx.min.js", `${target}/htmx.min.js`);
cpSync("node_modules/leaflet/dist", `${target}/leaflet`, { recursive: true });
console.log(`front-end assets copied to ${target}`);
