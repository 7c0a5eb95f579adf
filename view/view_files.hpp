#pragma once

#include <map>
#include <string>

#include "transport/http_listener.hpp"

namespace cua {

/// The live view's page (view/web/), built into the binary by cmake/embed_view_files.cmake: its
/// files by the path they are served at ("/" is index.html).
std::map<std::string, static_file> view_files();

} // namespace cua
