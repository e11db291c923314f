"""Every XML file of the addon must parse (Odoo would refuse to load it otherwise)."""
from __future__ import print_function

import os
import sys
import xml.etree.ElementTree as ElementTree


def main(root):
    bad = 0
    count = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".xml"):
                count += 1
                path = os.path.join(folder, name)
                try:
                    ElementTree.parse(path)
                except ElementTree.ParseError as error:
                    bad += 1
                    print("%s: %s" % (path, error))
    print("XML files: %d parsed, %d invalid" % (count - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
