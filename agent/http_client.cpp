#include "agent/http_client.hpp"

#include <cctype>
#include <mutex>
#include <thread>

#include "agent/curl_library.hpp"
#include "messages/errors.hpp"

namespace cua {

namespace {

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t read_header(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "retry-after") {
      try {
        static_cast<http_response*>(user)->retry_after_s = std::stod(line.substr(colon + 1));
      } catch (const std::exception&) {
        // An HTTP date: the backoff applies instead.
      }
    }
  }
  return size * count;
}

int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const cancel_flag*>(user);
  return *cancel && (*cancel)->load() ? 1 : 0;
}

bool cancelled(const cancel_flag& cancel) {
  return cancel && cancel->load();
}

// Sleeps `delay` in short steps, returning early (false) when cancelled.
bool wait(std::chrono::milliseconds delay, const cancel_flag& cancel) {
  auto deadline = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cancelled(cancel))
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !cancelled(cancel);
}

} // namespace

caf::expected<http_response> http_post(const http_request& request, const cancel_flag& cancel) {
  auto loaded = load_curl();
  if (!loaded)
    return loaded.error();
  const auto& lib = **loaded;
  auto* curl = lib.easy_init();
  if (curl == nullptr)
    return make_error(errc::internal, "libcurl could not start a transfer");
  http_response response;
  curl_slist* headers = nullptr;
  for (const auto& h : request.headers)
    headers = lib.slist_append(headers, h.c_str());
  char error[CURL_ERROR_SIZE] = {0};
  lib.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  lib.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  lib.easy_setopt(curl, CURLOPT_POST, 1L);
  lib.easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  lib.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  lib.easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  lib.easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
  lib.easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  lib.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  lib.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  lib.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  lib.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  lib.easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  lib.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  lib.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_cancel);
  lib.easy_setopt(curl, CURLOPT_XFERINFODATA, &cancel);
  auto rc = lib.easy_perform(curl);
  lib.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  lib.slist_free_all(headers);
  lib.easy_cleanup(curl);
  if (rc == CURLE_ABORTED_BY_CALLBACK || cancelled(cancel))
    return make_error(errc::task_cancelled, "the model call was cancelled");
  if (rc != CURLE_OK) {
    std::string what = error[0] != '\0' ? error : lib.easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT)
      what = "no answer within " + std::to_string(request.timeout.count() / 1000) + " s (" + what + ")";
    return make_error(errc::model_failed, "the model endpoint could not be reached: " + what);
  }
  return response;
}

caf::expected<http_response> http_post_with_retries(
  const http_request& request, const retry_policy& policy, const cancel_flag& cancel,
  const std::function<void(const std::string&)>& on_retry) {
  auto backoff = policy.first_backoff;
  for (int attempt = 0;; ++attempt) {
    auto response = http_post(request, cancel);
    bool retryable = false;
    std::string why;
    std::optional<double> server_delay;
    if (!response) {
      retryable = response.error() == errc::model_failed;
      why = describe(response.error());
    } else if (response->status == 429 || response->status >= 500) {
      retryable = true;
      why = "HTTP " + std::to_string(response->status);
      server_delay = response->retry_after_s;
    }
    if (!retryable || attempt >= policy.retries)
      return response;
    auto delay = server_delay ? std::chrono::milliseconds(static_cast<long>(*server_delay * 1000))
                              : backoff;
    if (on_retry)
      on_retry(why + "; retry " + std::to_string(attempt + 1) + " of "
               + std::to_string(policy.retries) + " in "
               + std::to_string(delay.count()) + " ms");
    if (!wait(delay, cancel))
      return make_error(errc::task_cancelled, "the model call was cancelled");
    backoff *= 2;
  }
}

} // namespace cua
