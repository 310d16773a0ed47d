// report.html's stylesheet and scripts, embedded from src/report/assets/ at build time
// (cmake/embed_asset.cmake, listed in CMakeLists.txt): each constant is its file's bytes.
#pragma once

namespace layerscope::assets {

extern const char* const kReportCss;         // report.css
extern const char* const kReportTablesJs;    // tables.js: colours, sorting, filtering, URL state, tooltip
extern const char* const kReportChartsJs;    // charts.js: chart plumbing, layer/op-type time, activation memory
extern const char* const kReportRooflineJs;  // roofline.js: the roofline plot, then draws every chart

}  // namespace layerscope::assets
