"""Load the WMS with OWSLib, draw a map and query a feature, in both versions.

Usage: owslib_wms.py URL OUT_DIR. Prints a JSON summary on standard output.
"""
import json
import sys

from owslib.wms import WebMapService


def main():
    url, out_dir = sys.argv[1], sys.argv[2]
    bbox = (699600, 6599800, 700400, 6600600)
    summary = {}
    for version in ("1.3.0", "1.1.1"):
        wms = WebMapService(url, version=version, timeout=60)
        layer = wms["test_lines"]
        image = wms.getmap(layers=["test_lines"], styles=[""], srs="EPSG:2154", bbox=bbox,
                           size=(256, 256), format="image/png", transparent=True)
        path = "%s/owslib-%s.png" % (out_dir, version)
        with open(path, "wb") as f:
            f.write(image.read())
        info = wms.getfeatureinfo(layers=["test_lines"], styles=[""], srs="EPSG:2154", bbox=bbox,
                                  size=(256, 256), format="image/png", query_layers=["test_lines"],
                                  info_format="application/json", xy=(192, 166), feature_count=1)
        summary[version] = {
            "version": wms.identification.version,
            "title": wms.identification.title,
            "layers": sorted(wms.contents),
            "crs": sorted(layer.crsOptions),
            "styles": sorted(layer.styles),
            "operations": sorted(op.name for op in wms.operations),
            "image": path,
            "info": json.loads(info.read()),
        }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
