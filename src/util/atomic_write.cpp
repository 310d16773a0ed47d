#include "util/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

namespace layerscope {

namespace fs = std::filesystem;

namespace {

std::string join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

// A name for a new file in `dir` that no other writer uses: hidden, tagged with the process id
// and a per-process serial, and with (the start of) the final name so a leftover after a crash
// says what it was. Short enough for any final name (NAME_MAX is 255).
std::string scratch_name(const std::string& dir, const std::string& final_name, const char* kind) {
  static std::atomic<unsigned> serial{0};
  std::string name = ".";
  name.append(final_name, 0, 160).append(".").append(kind);
  name.append("-").append(std::to_string(::getpid())).append("-").append(std::to_string(serial++));
  return join(dir, name);
}

struct Pending {
  std::string final_path;
  std::string tmp_path;            // the new content, complete and fsynced
  std::string backup_path;         // a hard link to the file being replaced, "" when none was made
  bool replaced_existing = false;  // a file (or symlink) of the final name was there before
  bool renamed = false;
};

// Writes `pieces` to a new temporary beside `final_path` (in `dir`); returns "" or the error.
std::string write_temporary(const std::string& dir, const std::string& name,
                            const std::vector<std::string_view>& pieces, Pending* p) {
  p->final_path = join(dir, name);
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    p->tmp_path = scratch_name(dir, name, "tmp");
    // 0666 & ~umask, like any file a program creates (mkstemp would force 0600).
    fd = ::open(p->tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) return "cannot write '" + p->final_path + "': " + std::strerror(errno);
  }
  if (fd < 0) return "cannot write '" + p->final_path + "': no free temporary file name";
  int err = 0;
  for (std::string_view piece : pieces) {
    for (size_t done = 0; done < piece.size() && err == 0;) {
      ssize_t n = ::write(fd, piece.data() + done, piece.size() - done);
      if (n >= 0) done += static_cast<size_t>(n);
      else if (errno != EINTR) err = errno;  // ENOSPC, EFBIG (file-size limit), EIO, ...
    }
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0) return "";
  ::unlink(p->tmp_path.c_str());
  p->tmp_path.clear();
  return "cannot write '" + p->final_path + "': " + std::strerror(err);
}

// Hard-links the file (or symlink, not followed) that `p` will replace to a backup name, so it
// can be put back. No backup when there is nothing to replace, when it is a folder (the rename
// will fail) or when the file system has no hard links (then a failed rename cannot restore it,
// and the error says so).
void back_up(const std::string& dir, Pending* p) {
  struct stat st {};
  if (::lstat(p->final_path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return;
  p->replaced_existing = true;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string backup = scratch_name(dir, fs::path(p->final_path).filename().string(), "old");
    if (::linkat(AT_FDCWD, p->final_path.c_str(), AT_FDCWD, backup.c_str(), 0) == 0) {
      p->backup_path = backup;
      return;
    }
    if (errno != EEXIST) return;
  }
}

// Undoes the renames done so far (newest first) and removes the scratch files. Returns false
// when an old file could not be restored (its backup, if any, is then kept).
bool roll_back(std::vector<Pending>& pending) {
  bool restored = true;
  for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
    if (!it->renamed) {
      if (!it->tmp_path.empty()) ::unlink(it->tmp_path.c_str());
      if (!it->backup_path.empty()) ::unlink(it->backup_path.c_str());
    } else if (!it->backup_path.empty()) {
      restored &= ::rename(it->backup_path.c_str(), it->final_path.c_str()) == 0;
    } else if (it->replaced_existing) {
      restored = false;  // no hard link could be made: the old file is gone
    } else {
      ::unlink(it->final_path.c_str());  // a new file: nothing was there before
    }
  }
  return restored;
}

}  // namespace

Status write_files_atomically(const std::string& dir, const std::vector<FileContent>& files) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (fs::exists(dir, ec))
      return Status::error("cannot write into '" + dir + "': it is not a folder", StatusCode::kIoError);
    return Status::error("cannot write into '" + dir + "': the output folder does not exist", StatusCode::kIoError);
  }
  std::set<std::string> names;
  for (const FileContent& f : files)
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name == "." || f.name == ".." ||
        !names.insert(f.name).second)
      return Status::error("cannot write '" + f.name + "' into '" + dir + "': not a distinct plain file name");

  // Phase 1: every content into its own temporary.
  std::vector<Pending> pending(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    std::string err = write_temporary(dir, files[i].name, files[i].pieces, &pending[i]);
    if (!err.empty()) {
      roll_back(pending);
      return Status::error(err, StatusCode::kIoError);
    }
  }
  // Phase 2: the renames, each replaced file backed up first.
  for (Pending& p : pending) {
    back_up(dir, &p);
    if (::rename(p.tmp_path.c_str(), p.final_path.c_str()) != 0) {
      const int err = errno;
      std::string why = err == EISDIR || err == ENOTEMPTY || err == EEXIST ? "a folder of that name is in the way"
                                                                           : std::strerror(err);
      const bool restored = roll_back(pending);
      return Status::error("cannot write '" + p.final_path + "': " + why +
                               (restored ? "" : " (and a file replaced before it could not be restored)"),
                           StatusCode::kIoError);
    }
    p.renamed = true;
  }
  for (const Pending& p : pending)
    if (!p.backup_path.empty()) ::unlink(p.backup_path.c_str());
  // Make the renames durable too; failing here loses nothing already visible, so it is ignored.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

Status write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces) {
  const fs::path p(path);
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  return write_files_atomically(dir, {{p.filename().string(), pieces}});
}

}  // namespace layerscope
