#pragma once

#include <functional>
#include <memory>
#include <string>
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
};

/// Returns every backend this build knows, in the order `--help` lists them.
const std::vector<backend_entry>& backends();

/// Returns the backend called `name`, or nullptr.
const backend_entry* find_backend(const std::string& name);

} // namespace cua
