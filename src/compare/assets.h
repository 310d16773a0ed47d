// compare.html's stylesheet and script, embedded from src/compare/assets/ at build time
// (cmake/embed_asset.cmake, listed in CMakeLists.txt): each constant is its file's bytes.
#pragma once

namespace layerscope::assets {

extern const char* const kCompareCss;  // compare.css
extern const char* const kCompareJs;   // compare.js: click a column header to sort its table

}  // namespace layerscope::assets
