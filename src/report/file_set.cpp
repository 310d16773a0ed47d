#include "report/file_set.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace layerscope {

namespace {

// Writes `data` to a new temporary beside `path`; returns its name, or "" with *error set.
std::string write_temporary(const std::string& path, const std::string& data, std::string* error) {
  static std::atomic<unsigned> serial{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) {
      *error = "cannot write '" + path + "': " + std::strerror(errno);
      return "";
    }
    int err = 0;
    for (size_t done = 0; done < data.size() && err == 0;) {
      ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n >= 0) done += static_cast<size_t>(n);
      else if (errno != EINTR) err = errno;
    }
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err == 0) return tmp;
    ::unlink(tmp.c_str());
    *error = "cannot write '" + path + "': " + std::strerror(err);
    return "";
  }
  *error = "cannot write '" + path + "': no free temporary file name";
  return "";
}

}  // namespace

Status write_file_set(const std::string& dir, const std::vector<NamedContent>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::error("cannot write into '" + dir + "': " + (fs::exists(dir, ec) ? "not a folder" : "no such folder"));
  for (const NamedContent& f : files)
    if (fs::is_directory(fs::path(dir) / f.name, ec))
      return Status::error("cannot write '" + (fs::path(dir) / f.name).string() + "': a folder of that name is in the way");
  std::vector<std::pair<std::string, std::string>> written;  // (temporary, final)
  for (const NamedContent& f : files) {
    const std::string path = (fs::path(dir) / f.name).string();
    std::string error;
    std::string tmp = write_temporary(path, f.content, &error);
    if (tmp.empty()) {
      for (const auto& w : written) ::unlink(w.first.c_str());
      return Status::error(error);
    }
    written.emplace_back(tmp, path);
  }
  for (size_t i = 0; i < written.size(); ++i) {
    if (::rename(written[i].first.c_str(), written[i].second.c_str()) != 0) {
      const int err = errno;
      for (size_t j = i; j < written.size(); ++j) ::unlink(written[j].first.c_str());
      return Status::error("cannot write '" + written[i].second + "': " + std::strerror(err));
    }
  }
  return Status::ok();
}

}  // namespace layerscope
