"""Print "PASSED FAILED" from a pytest junit XML file (errors count as failures, skips as neither)."""
import sys
import xml.etree.ElementTree as ET


def main(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failed = skipped = 0
    for s in suites:
        tests += int(s.get("tests", 0))
        failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0))
    print(tests - failed - skipped, failed)


if __name__ == "__main__":
    main(sys.argv[1])
