// fetch_observation: the device list, then every device × module through N workers pulling
// from one job list (STYLE principle 4), so at most max_concurrency requests are in flight.
#include "api/coroutine_warnings.hpp"
#include "koodrive_audit/api.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

namespace kda::api {

namespace asio = boost::asio;

FetchFailure to_fetch_failure(const Error& error) {
  FetchFailure failure;
  failure.reason = error.message();
  failure.http_status = error.http_status;
  failure.api_code = error.api_code;
  failure.transient = error.transient();
  return failure;
}

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Shared by the workers of one fetch_scopes; outlives the caller's frame if need be.
struct FetchJobs {
  std::vector<PairKey> pairs;
  ScopeAnswerHandler on_answer;
  std::size_t next = 0;
  std::size_t running = 0;
  FetchStats stats;
  std::exception_ptr failure;
  asio::steady_timer all_done;
  FetchJobs(const asio::any_io_executor& executor, std::vector<PairKey> pairs_to_fetch,
            ScopeAnswerHandler handler)
      : pairs(std::move(pairs_to_fetch)),
        on_answer(std::move(handler)),
        all_done(executor, asio::steady_timer::time_point::max()) {}
};

asio::awaitable<void> scope_worker(Client client, std::shared_ptr<const Credentials> credentials,
                                   std::shared_ptr<FetchJobs> jobs) {
  // A handler that threw ends the fetch: what it failed to digest cannot be committed anyway.
  while (jobs->next < jobs->pairs.size() && !jobs->failure) {
    const std::size_t index = jobs->next++;
    ScopeFetch fetch;
    fetch.pair = std::move(jobs->pairs[index]);
    auto scopes = co_await client.list_scopes(credentials, fetch.pair.device_id,
                                              fetch.pair.module_code, &jobs->stats);
    if (scopes) {
      fetch.result = std::move(*scopes);
    } else {
      fetch.result = to_fetch_failure(scopes.error());
    }
    if (jobs->failure) break;
    jobs->on_answer(index, std::move(fetch));
  }
}

}  // namespace

asio::awaitable<void> fetch_scopes(Client client, Credentials credentials,
                                   std::vector<PairKey> pairs, ScopeAnswerHandler on_answer,
                                   FetchStats* stats) {
  if (pairs.empty()) co_return;
  auto executor = co_await asio::this_coro::executor;
  auto jobs = std::make_shared<FetchJobs>(executor, std::move(pairs), std::move(on_answer));
  // N workers pull from one queue: at most max_concurrency requests in flight.
  const std::size_t workers =
      std::min(std::max<std::size_t>(client.options().max_concurrency, 1), jobs->pairs.size());
  jobs->running = workers;
  const auto shared_credentials = std::make_shared<const Credentials>(std::move(credentials));
  for (std::size_t i = 0; i < workers; ++i) {
    asio::co_spawn(executor, scope_worker(client, shared_credentials, jobs),
                   [jobs](std::exception_ptr error) {
                     if (error && !jobs->failure) jobs->failure = error;
                     if (--jobs->running == 0) jobs->all_done.cancel();
                   });
  }
  // Every request has its own deadline, so this wait ends; stop() ends it sooner.
  while (jobs->running > 0) co_await jobs->all_done.async_wait(use_tuple);
  if (stats) *stats += jobs->stats;
  if (jobs->failure) std::rethrow_exception(jobs->failure);
}

asio::awaitable<Observation> fetch_observation(Client client, Credentials credentials,
                                               std::vector<int> modules, FetchStats* stats) {
  Observation observation;
  observation.account_id = credentials.user_id;
  FetchStats local;
  auto devices = co_await client.list_devices(credentials, &local);
  if (!devices) {
    observation.devices = to_fetch_failure(devices.error());
    if (stats) *stats += local;
    co_return observation;
  }

  std::vector<PairKey> pairs;
  pairs.reserve(devices->size() * modules.size());
  for (const Device& device : *devices) {
    for (int module : modules) pairs.push_back(PairKey{device.device_id, module});
  }
  observation.devices = std::move(*devices);
  // A slot is never an empty success by default: only an answer fills it.
  observation.scope_fetches.reserve(pairs.size());
  for (const PairKey& pair : pairs) {
    observation.scope_fetches.push_back(ScopeFetch{pair, FetchFailure{"not fetched", 0, 0, true}});
  }
  co_await fetch_scopes(
      client, credentials, std::move(pairs),
      [&observation](std::size_t index, ScopeFetch&& fetch) {
        observation.scope_fetches[index] = std::move(fetch);
      },
      &local);
  if (stats) *stats += local;
  co_return observation;
}

}  // namespace kda::api
