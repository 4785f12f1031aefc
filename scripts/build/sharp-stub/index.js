// Stub of `sharp` (package.json `overrides`): synth only generates text, so transformers.js never
// processes images. Any call fails clearly instead of loading libvips.
"use strict";
function sharp() {
  throw new Error("Cannot process images: sharp is not included in synth (text models only)");
}
module.exports = sharp;
module.exports.default = sharp;
