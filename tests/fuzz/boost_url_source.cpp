// Boost.URL's implementation, compiled into the config fuzz target in place of libboost_url,
// so that the URL parser is instrumented and guides libFuzzer (KDA_FUZZ builds only).
#include <boost/url/src.hpp>
