// Files that appear complete or not at all: the one way every file layerscope writes gets to
// disk (report sets, compare files, .npy outputs, the machine cache).
//
// Protocol: (1) every file's content goes to its own new temporary in the destination folder
// (created O_EXCL, so concurrent writers never share one; fsynced); a failure here (full disk,
// file-size limit, unwritable folder) removes the temporaries and changes nothing. (2) The
// temporaries are renamed over the final names; rename() within one folder is atomic, so a
// reader sees the old file or the complete new one. A file about to be replaced is first
// hard-linked to a backup name, so when a rename fails (a folder in the way, an I/O error) the
// files already renamed are put back as they were (or removed when they are new) and, again,
// nothing has changed.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "layerscope/status.h"

namespace layerscope {

// One file: its name inside the folder and its content in pieces (e.g. an .npy header and the
// tensor's bytes), written one after the other, so large data is not copied into one buffer.
// The pieces must stay valid during the call.
struct FileContent {
  std::string name;
  std::vector<std::string_view> pieces;
};

// Writes all `files` into the existing folder `dir`, all or nothing (see above). Names must be
// plain file names (no '/') and distinct. Errors name the file and the reason.
Status write_files_atomically(const std::string& dir, const std::vector<FileContent>& files);

// One file at `path` (its folder must exist), complete or not at all.
Status write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces);

}  // namespace layerscope
