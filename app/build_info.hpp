#pragma once

namespace cua {

/// The git commit this binary was built from ("-dirty" when the tree had changes), or "unknown"
/// when it was built outside a git checkout. Written at each build by cmake/write_build_info.cmake.
const char* build_commit();

} // namespace cua
