// Boost.JSON's implementation, compiled into the decode fuzz target in place of libboost_json,
// so that the parser is instrumented and guides libFuzzer (KDA_FUZZ builds only).
#include <boost/json/src.hpp>
