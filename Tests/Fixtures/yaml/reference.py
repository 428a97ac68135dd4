"""config.yaml as PyYAML's pure-Python composer reads it, flattened the way Flink does: the
reference FlinkConfigurationTests compares submitjob's libyaml reading with. PyYAML's Python
scanner, parser and composer share no code with libyaml.

Usage: reference.py FILE...  prints one JSON object: for each file either
{"entries": {key: [value, line]}} or {"error": {"line": L, "column": C}} (the problem's mark).
"""
import json
import sys

import yaml


def flatten(mapping, prefix, out):
    for key, value in mapping.value:
        if not isinstance(key, yaml.ScalarNode):
            raise ValueError("non-scalar key")
        name = prefix + key.value
        line = key.start_mark.line + 1
        if isinstance(value, yaml.MappingNode):
            flatten(value, name + ".", out)
        elif isinstance(value, yaml.ScalarNode):
            out[name] = [value.value, line]
        else:
            out[name] = [";".join(item.value if isinstance(item, yaml.ScalarNode) else "" for item in value.value), line]


result = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        # The pure-Python Loader, not CSafeLoader: that one is libyaml again.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        result[path] = {"error": {"line": mark.line + 1, "column": mark.column + 1}}
        continue
    entries = {}
    if root is not None:
        flatten(root, "", entries)
    result[path] = {"entries": entries}
json.dump(result, sys.stdout)
