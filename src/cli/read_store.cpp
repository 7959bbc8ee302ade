#include "cli/read_store.hpp"

#include <system_error>

namespace kda::cli {

std::optional<Store> open_store_for_reading(const std::filesystem::path& path,
                                            std::string_view command, std::ostream& err) {
  // Checked first because Store::open would create an empty file, and SQLite's own answer for
  // a missing file ("unable to open database file") does not say what to do about it.
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec) {
    err << command << ": " << path.string() << ": " << ec.message() << '\n';
    return std::nullopt;
  }
  if (!exists) {
    err << command << ": no database at " << path.string()
        << "; run `koodrive-audit migrate` or start the daemon\n";
    return std::nullopt;
  }
  try {
    Store store = Store::open_read_only(path);
    const int version = store.schema_version();
    const int supported = static_cast<int>(embedded_migrations().size());
    if (version == supported) return store;
    err << command << ": " << path.string() << ": ";
    if (version == 0) {
      err << "the database has no schema yet; run `koodrive-audit migrate` or start the daemon\n";
    } else if (version < supported) {
      err << "schema version " << version << " is older than this koodrive-audit's (" << supported
          << "); run `koodrive-audit migrate` or start the daemon\n";
    } else {
      err << "schema version " << version << " is newer than this koodrive-audit supports ("
          << supported << "); upgrade koodrive-audit\n";
    }
    return std::nullopt;
  } catch (const std::exception& error) {
    // StoreError messages already start with the path.
    err << command << ": " << error.what() << '\n';
    return std::nullopt;
  }
}

}  // namespace kda::cli
