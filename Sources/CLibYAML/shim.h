// libyaml from Debian's libyaml-dev: linked statically (libyaml.a) into the release binary.
#include <yaml.h>
