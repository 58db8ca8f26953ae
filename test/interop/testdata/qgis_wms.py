"""Load a WMS layer with the QGIS 'wms' provider, draw it and query it; print JSON.

Usage: qgis_wms.py JOB_JSON

JOB_JSON: {"url": the WMS endpoint, "layers": comma-separated layer names,
"crs": "EPSG:2154", "extent": [xmin, ymin, xmax, ymax], "width": ..., "height": ...,
"points": [[x, y], ...] map positions whose pixel colours are reported,
"info": [x, y] a map position queried with GetFeatureInfo, or null}

Output: qgis_version, valid, error, crs, pixels (one [r, g, b, a] list of the 3×3
pixels around each point, in the order of "points"), info (the text of the
GetFeatureInfo answer as QGIS returns it) and image_size.

Run with the system Python that python3-qgis installs for, QT_QPA_PLATFORM=offscreen
and a temporary HOME.
"""

import json
import sys
import urllib.parse

from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsPointXY,
    QgsRaster,
    QgsRasterLayer,
    QgsRectangle,
)


def main():
    job = json.loads(sys.argv[1])
    app = QgsApplication([], False)
    app.initQgis()
    try:
        out = run(job)
    finally:
        app.exitQgis()
    json.dump(out, sys.stdout)


def run(job):
    params = [
        ("crs", job["crs"]),
        ("format", "image/png"),
        ("layers", job["layers"]),
        ("styles", ""),
        ("url", job["url"]),
        ("dpiMode", "7"),
    ]
    uri = "&".join("%s=%s" % (k, urllib.parse.quote(v, safe=":/,")) for k, v in params)
    layer = QgsRasterLayer(uri, "wms", "wms")
    out = {"qgis_version": Qgis.QGIS_VERSION, "uri": uri, "valid": layer.isValid(), "error": ""}
    if not layer.isValid():
        out["error"] = layer.error().summary()
        return out
    out["crs"] = layer.crs().authid()

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem(job["crs"]))
    settings.setOutputSize(QSize(job["width"], job["height"]))
    settings.setOutputDpi(90.7)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setExtent(QgsRectangle(*job["extent"]))
    render = QgsMapRendererSequentialJob(settings)
    render.start()
    render.waitForFinished()
    errors = [e.message for e in render.errors()]
    if errors:
        out["error"] = "; ".join(errors)
    image = render.renderedImage()
    out["image_size"] = [image.width(), image.height()]
    m2p = settings.mapToPixel()
    pixels = []
    for x, y in job["points"]:
        p = m2p.transform(QgsPointXY(x, y))
        around = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                c = QColor(image.pixel(int(p.x()) + dx, int(p.y()) + dy))
                around.append([c.red(), c.green(), c.blue(), c.alpha()])
        pixels.append(around)
    out["pixels"] = pixels

    if job.get("info"):
        x, y = job["info"]
        result = layer.dataProvider().identify(
            QgsPointXY(x, y), QgsRaster.IdentifyFormatText,
            settings.visibleExtent(), job["width"], job["height"])
        out["info_valid"] = result.isValid()
        out["info"] = "\n".join(str(v) for v in result.results().values())
    return out


if __name__ == "__main__":
    main()
