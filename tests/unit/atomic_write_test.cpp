// util/atomic_write.h: files appear complete or not at all, for sets of files too.
#include "util/atomic_write.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "onnx_builder.h"

namespace layerscope {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every entry of `dir`, hidden ones (the scratch files) included.
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Runs `body` in a child process whose files may not grow past `limit` bytes (write() then
// fails with EFBIG, as on a full disk); returns the child's exit code.
template <typename F>
int with_file_size_limit(rlim_t limit, F body) {
  pid_t child = ::fork();
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit r{limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &r);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(AtomicWrite, WritesPiecesAndReplacesOldFilesWithoutLeftovers) {
  TempDir tmp;
  tmp.write("a.txt", "old a");
  const std::string big(100000, 'x');
  Status st = write_files_atomically(tmp.path().string(), {{"a.txt", {"new ", "a"}}, {"b.bin", {big, "!"}}});
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(listing(tmp.path()), (std::vector<std::string>{"a.txt", "b.bin"}));
  EXPECT_EQ(slurp(tmp.path() / "a.txt"), "new a");
  EXPECT_EQ(slurp(tmp.path() / "b.bin"), big + "!");

  st = write_file_atomically((tmp.path() / "c.txt").string(), {"single"});
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(slurp(tmp.path() / "c.txt"), "single");
  EXPECT_EQ(listing(tmp.path()).size(), 3u);
}

// A full destination: the second file cannot be written completely. Nothing changes: the old
// first file keeps its content, the second does not appear, no temporary stays.
TEST(AtomicWrite, FullDestinationChangesNothing) {
  TempDir tmp;
  tmp.write("first.txt", "old first");
  const std::string dir = tmp.path().string();
  const int code = with_file_size_limit(1000, [&] {
    const std::string big(5000, 'x');
    Status st = write_files_atomically(dir, {{"first.txt", {"new first"}}, {"second.bin", {big}}});
    return !st && st.message().find("second.bin") != std::string::npos &&
                   st.message().find("File too large") != std::string::npos
               ? 0
               : 1;
  });
  EXPECT_EQ(code, 0) << "expected a failure naming second.bin and the reason";
  EXPECT_EQ(listing(tmp.path()), std::vector<std::string>{"first.txt"});
  EXPECT_EQ(slurp(tmp.path() / "first.txt"), "old first");
}

// A rename that fails after others succeeded (here a folder in the way of the last file): the
// files renamed before it are put back as they were (old content) or removed (new files).
TEST(AtomicWrite, FailedRenameRollsBackTheFilesBeforeIt) {
  TempDir tmp;
  tmp.write("kept.txt", "old content");
  fs::create_directories(tmp.path() / "blocked.txt" / "inner");
  Status st = write_files_atomically(
      tmp.path().string(), {{"kept.txt", {"new content"}}, {"fresh.txt", {"new file"}}, {"blocked.txt", {"x"}}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("blocked.txt"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("a folder of that name is in the way"), std::string::npos) << st.message();
  EXPECT_EQ(listing(tmp.path()), (std::vector<std::string>{"blocked.txt", "kept.txt"}));
  EXPECT_EQ(slurp(tmp.path() / "kept.txt"), "old content");
}

// An unwritable destination, for root too (root ignores permission bits; /proc takes no files).
TEST(AtomicWrite, UnwritableOrMissingFolderFailsNamingIt) {
  Status st = write_files_atomically("/proc", {{"x.txt", {"x"}}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("cannot write '/proc/x.txt'"), std::string::npos) << st.message();
  EXPECT_FALSE(fs::exists("/proc/x.txt"));

  TempDir tmp;
  st = write_files_atomically((tmp.path() / "missing").string(), {{"x.txt", {"x"}}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos) << st.message();
  const std::string file = tmp.write("plain", "p");
  st = write_file_atomically(file + "/x.txt", {"x"});
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("not a folder"), std::string::npos) << st.message();
  EXPECT_EQ(listing(tmp.path()), std::vector<std::string>{"plain"});
}

TEST(AtomicWrite, RejectsNamesThatAreNotDistinctPlainFileNames) {
  TempDir tmp;
  for (const std::vector<FileContent>& bad :
       {std::vector<FileContent>{{"a", {"1"}}, {"a", {"2"}}}, std::vector<FileContent>{{"sub/a", {"1"}}},
        std::vector<FileContent>{{"..", {"1"}}}, std::vector<FileContent>{{"", {"1"}}}}) {
    Status st = write_files_atomically(tmp.path().string(), bad);
    EXPECT_FALSE(st) << bad[0].name;
    EXPECT_NE(st.message().find("not a distinct plain file name"), std::string::npos) << st.message();
  }
  EXPECT_TRUE(listing(tmp.path()).empty());
}

}  // namespace
}  // namespace layerscope
