// write_perf_reports: the five report files, all or nothing.
// Phase 1 writes every file's content to its own temporary in DIR (created O_EXCL, so two
// concurrent writers never share one) and fsyncs it; phase 2 renames the temporaries over the
// final names. rename() within one directory is atomic, so a reader sees either the old file
// or the complete new one. Any failure in phase 1 removes the temporaries written so far.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "layerscope/findings.h"
#include "layerscope/report.h"

namespace layerscope {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

struct Pending {
  std::string final_path;
  std::string tmp_path;
};

// Creates a fresh temporary next to `final_path` and writes `data` to it completely.
// Returns "" on success, else the error message (and nothing is left on disk).
std::string write_temp(const std::string& final_path, const std::string& data, std::string* tmp_out) {
  static std::atomic<int> counter{0};
  int fd = -1;
  std::string tmp;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = final_path + "." + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".tmp";
    // 0666 & ~umask, like any file a program creates (mkstemp would force 0600).
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) return "cannot write '" + final_path + "': " + errno_text(errno);
  }
  if (fd < 0) return "cannot write '" + final_path + "': no free temporary file name";
  size_t done = 0;
  int err = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return "cannot write '" + final_path + "': " + errno_text(err);
  }
  *tmp_out = tmp;
  return "";
}

}  // namespace

Status write_perf_reports(const PerfReport& report, const std::string& dir, const std::string& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (dir.empty()) return Status::error("cannot write reports: no output folder given");
  if (!fs::is_directory(dir, ec)) {
    if (!fs::exists(dir, ec)) return Status::error("cannot write reports: output folder '" + dir + "' does not exist");
    return Status::error("cannot write reports: '" + dir + "' is not a folder");
  }
  // The one rename failure we can foresee; checked first so it cannot strike half way through.
  for (const char* name : kPerfReportFiles) {
    fs::path p = fs::path(dir) / name;
    if (fs::is_directory(fs::symlink_status(p, ec)))
      return Status::error("cannot write '" + p.string() + "': a folder of that name is in the way");
  }

  std::vector<std::string> contents;
  try {
    contents = {text, perf_report_json(report), perf_layers_csv(report), perf_chrome_trace(report),
                perf_report_html(report, find_findings(report))};
  } catch (const std::exception& e) {
    return Status::error(std::string("cannot format reports: ") + e.what());
  }

  std::vector<Pending> pending;
  for (size_t i = 0; i < contents.size(); ++i) {
    Pending p;
    p.final_path = (fs::path(dir) / kPerfReportFiles[i]).string();
    std::string err = write_temp(p.final_path, contents[i], &p.tmp_path);
    if (!err.empty()) {
      for (const Pending& q : pending) ::unlink(q.tmp_path.c_str());
      return Status::error(err);
    }
    pending.push_back(std::move(p));
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    if (::rename(pending[i].tmp_path.c_str(), pending[i].final_path.c_str()) != 0) {
      const int err = errno;
      for (size_t j = i; j < pending.size(); ++j) ::unlink(pending[j].tmp_path.c_str());
      return Status::error("cannot write '" + pending[i].final_path + "': " + errno_text(err) +
                           (i > 0 ? " (the reports before it were updated)" : ""));
    }
  }
  // Make the renames durable too; failing here loses nothing already visible, so it is ignored.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

}  // namespace layerscope
