#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <caf/error.hpp>
#include <vector>

#include "computers/backend_options.hpp"
#include "computers/computer.hpp"

namespace cua {

using computer_factory
  = std::function<std::unique_ptr<computer>(const std::string& id, const backend_options& options)>;

/// Names the computers a backend of given computers has (remote ones, by URL).
using fixed_computers = std::function<std::vector<std::string>(const backend_options& options)>;

/// A kind of computer the pool can hand out.
struct backend_entry {
  std::string name;
  std::string description;
  computer_factory create;
  fixed_computers fixed_ids; // empty for backends that make computers on demand
  /// Checks at start that this host can make such computers (empty: nothing to check).
  std::function<caf::error(const backend_options&)> check;
  /// Says what isolates one computer from another and from the host, and whether the operator
  /// turned that off.
  std::function<std::pair<std::string, bool>(const backend_options&)> isolation;
};

/// Returns every backend this build knows, in the order `--help` lists them.
const std::vector<backend_entry>& backends();

/// Returns the backend called `name`, or nullptr.
const backend_entry* find_backend(const std::string& name);

} // namespace cua
