"""Render vector tile layers with QGIS and save each map as a PNG image.

Usage: qgis_tiles.py JOBS_JSON

JOBS_JSON is a list of renders:
  {"name": ..., "url": an XYZ URL template with {z}, {x} and {y},
   "zmin": ..., "zmax": ..., "layer": an MVT layer name or null,
   "extent": [xmin, ymin, xmax, ymax] in EPSG:3857, "size": pixels per side,
   "png": output path}

With "layer", the map draws only the lines and points of that MVT layer, in opaque
black without antialiasing, so that every drawn pixel is black. Without it, the layer
keeps the style QGIS gives a new vector tile layer.

For each job the output has: name, uri, valid, error, crs, source_min_zoom,
source_max_zoom, extent (the rendered extent, which QGIS may widen to the image's
aspect ratio), render_errors and seconds.

Run with the system Python that python3-qgis installs for, QT_QPA_PLATFORM=offscreen
and a temporary HOME, because QGIS keeps a network cache under the profile.
"""

import json
import sys
import time

from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsLineSymbol,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsMarkerSymbol,
    QgsRectangle,
    QgsVectorTileBasicRenderer,
    QgsVectorTileBasicRendererStyle,
    QgsVectorTileLayer,
    QgsWkbTypes,
)


def black_renderer(layer_name):
    """Return a renderer that draws the lines and points of one MVT layer in black."""
    lines = QgsVectorTileBasicRendererStyle("lines", layer_name, QgsWkbTypes.LineGeometry)
    lines.setSymbol(QgsLineSymbol.createSimple(
        {"line_color": "0,0,0,255", "line_width": "0.6", "line_width_unit": "MM"}))
    points = QgsVectorTileBasicRendererStyle("points", layer_name, QgsWkbTypes.PointGeometry)
    points.setSymbol(QgsMarkerSymbol.createSimple(
        {"color": "0,0,0,255", "outline_color": "0,0,0,255", "size": "1.5", "size_unit": "MM"}))
    renderer = QgsVectorTileBasicRenderer()
    renderer.setStyles([lines, points])
    return renderer


def render(job):
    uri = QgsDataSourceUri()
    uri.setParam("type", "xyz")
    uri.setParam("url", job["url"])
    uri.setParam("zmin", str(job["zmin"]))
    uri.setParam("zmax", str(job["zmax"]))
    source = bytes(uri.encodedUri()).decode()

    start = time.monotonic()
    layer = QgsVectorTileLayer(source, job["name"])
    result = {"name": job["name"], "uri": source, "valid": layer.isValid()}
    if not layer.isValid():
        result["error"] = layer.error().summary() or "the layer is not valid"
        return result
    result["crs"] = layer.crs().authid()
    result["source_min_zoom"] = layer.sourceMinZoom()
    result["source_max_zoom"] = layer.sourceMaxZoom()
    if job.get("layer"):
        layer.setRenderer(black_renderer(job["layer"]))

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setOutputSize(QSize(job["size"], job["size"]))
    settings.setOutputDpi(96)
    settings.setExtent(QgsRectangle(*job["extent"]))
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setFlag(QgsMapSettings.Antialiasing, False)

    renderer = QgsMapRendererParallelJob(settings)
    renderer.start()
    renderer.waitForFinished()
    image = renderer.renderedImage()
    if not image.save(job["png"], "PNG"):
        result["error"] = "the image could not be saved to " + job["png"]
    visible = settings.visibleExtent()
    result["extent"] = [visible.xMinimum(), visible.yMinimum(), visible.xMaximum(), visible.yMaximum()]
    result["render_errors"] = [e.layerID + ": " + e.message for e in renderer.errors()]
    result["seconds"] = time.monotonic() - start
    return result


def main():
    jobs = json.loads(sys.argv[1])
    app = QgsApplication([], False)
    app.initQgis()
    try:
        out = {"qgis_version": Qgis.QGIS_VERSION, "layers": [render(job) for job in jobs]}
    finally:
        app.exitQgis()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
