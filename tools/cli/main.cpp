#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc > 1 && !std::strcmp(argv[1], "--version")) {
    std::printf("layerscope %s\n", LAYERSCOPE_VERSION);
    return 0;
  }
  std::fprintf(stderr, "usage: layerscope run MODEL\n");
  return 2;
}
