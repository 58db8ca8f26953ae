// Map page: draws the published layers with MapLibre GL JS over a plain background and a
// graticule, either from their vector tiles or as WMS GetMap images in the default WMS
// styles. Everything it loads comes from this server. The style has no text labels, so
// no glyphs or sprites are needed.
import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';

const config = JSON.parse(document.getElementById('map-config').textContent);
const mapElement = document.getElementById('map');
const statusElement = document.getElementById('map-status');

// Colours of the default WMS styles, so that both services draw alike.
const UNDEFINED_COLOUR = '#828282';
const ABANDONED_COLOUR = '#A0A0A0';
const CASING_COLOUR = '#404040';
const PLAIN_COLOUR = '#1F78B4';
const BACKGROUND_COLOUR = '#F4F3EF';
const GRATICULE_COLOUR = '#DDDBD4';
const ABANDONED_STATUSES = ['decommissioned', 'dismantled'];
const PROJECTED_STATUS = 'projected';

// Pixels around a click within which features are listed.
const CLICK_TOLERANCE = 4;
// Features listed in one popup at most.
const MAX_POPUP_FEATURES = 5;

// The WMS mode: one raster source whose tiles are GetMap images in EPSG:3857. The URL
// is relative to the page, so the images come from the server that sent it.
const WMS_ID = 'wms';
const WMS_PATH = 'wms';
const WMS_TILE_SIZE = 256;
// Side of the GetFeatureInfo map around a click, in pixels. The click is its centre.
const WMS_INFO_SIZE = 101;
// Half the equator's length in EPSG:3857 metres: the x of the antimeridian.
const EARTH_HALF_CIRCUMFERENCE = 20037508.342789244;

function setStatus(text) {
  statusElement.textContent = text;
}

async function fetchJSON(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}

// Read the tile index, then choose one tile source per layer: the first group that holds
// the layer, so that one tile request serves several layers, else the layer's own tiles.
// Returns the sources and, for each layer name, the source that draws it.
async function readTileSets() {
  const index = await fetchJSON(config.tiles);
  const wanted = new Set(config.layers.map((l) => l.name));
  const sourceOf = new Map();
  const sets = [];
  for (const group of index.groups) {
    const fresh = (group.layers || []).filter((name) => wanted.has(name) && !sourceOf.has(name));
    if (fresh.length > 0) {
      sets.push(group);
      fresh.forEach((name) => sourceOf.set(name, group.name));
    }
  }
  for (const layer of index.layers) {
    if (wanted.has(layer.name) && !sourceOf.has(layer.name)) {
      sets.push(layer);
      sourceOf.set(layer.name, layer.name);
    }
  }
  const documents = await Promise.all(sets.map((set) => fetchJSON(set.tilejson)));
  const sources = sets.map((set, i) => ({ name: set.name, tilejson: documents[i] }));
  const minZooms = new Map(index.layers.map((l) => [l.name, l.minzoom]));
  return { sources, sourceOf, minZooms };
}

function geometryKind(geometryType) {
  const type = (geometryType || '').toLowerCase().replace(/^multi/, '');
  if (type === 'point' || type === 'linestring' || type === 'polygon') {
    return type;
  }
  return 'any';
}

// The colour of a feature: that of its network category, grey when it is abandoned.
function colourExpression(layer) {
  if (!layer.categoryField || config.categories.length === 0) {
    return PLAIN_COLOUR;
  }
  const match = ['match', ['to-string', ['get', layer.categoryField]]];
  for (const category of config.categories) {
    match.push(category.code, category.colour);
  }
  match.push(UNDEFINED_COLOUR);
  if (!layer.statusField) {
    return match;
  }
  return ['case', ['in', ['to-string', ['get', layer.statusField]], ['literal', ABANDONED_STATUSES]],
    ABANDONED_COLOUR, match];
}

function isProjected(layer) {
  if (!layer.statusField) {
    return false;
  }
  return ['==', ['get', layer.statusField], PROJECTED_STATUS];
}

const lineWidth = ['interpolate', ['linear'], ['zoom'], 8, 0.8, 14, 2, 18, 4, 22, 8];

// Style layers of one data layer, grouped by the order they are drawn in. Polygon
// outlines are dashed in layers with a network category.
function styleLayers(layer, source) {
  const kind = geometryKind(layer.geometryType);
  const colour = colourExpression(layer);
  const base = { source, 'source-layer': layer.name };
  const polygons = ['==', ['geometry-type'], 'Polygon'];
  const lines = ['==', ['geometry-type'], 'LineString'];
  const points = ['==', ['geometry-type'], 'Point'];
  const projected = isProjected(layer);
  const out = { fill: [], line: [], point: [] };
  if (kind === 'polygon' || kind === 'any') {
    out.fill.push({ ...base, id: `${layer.name}:fill`, type: 'fill', filter: polygons,
      paint: { 'fill-color': colour, 'fill-opacity': 0.25 } });
    out.fill.push({ ...base, id: `${layer.name}:outline`, type: 'line', filter: polygons,
      paint: { 'line-color': colour, 'line-width': 1.5, ...(layer.categoryField ? { 'line-dasharray': [3, 2] } : {}) } });
  }
  if (kind === 'linestring' || kind === 'any') {
    out.line.push({ ...base, id: `${layer.name}:casing`, type: 'line', filter: lines,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': CASING_COLOUR, 'line-opacity': 0.5, 'line-gap-width': lineWidth, 'line-width': 1 } });
    out.line.push({ ...base, id: `${layer.name}:line`, type: 'line',
      filter: projected ? ['all', lines, ['!', projected]] : lines,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': colour, 'line-width': lineWidth } });
    if (projected) {
      out.line.push({ ...base, id: `${layer.name}:projected`, type: 'line', filter: ['all', lines, projected],
        paint: { 'line-color': colour, 'line-width': lineWidth, 'line-dasharray': [2, 1.5] } });
    }
  }
  if (kind === 'point' || kind === 'any') {
    out.point.push({ ...base, id: `${layer.name}:point`, type: 'circle', filter: points,
      paint: {
        'circle-color': colour,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2, 16, 4, 20, 7],
        'circle-stroke-color': CASING_COLOUR,
        'circle-stroke-width': 1,
      } });
  }
  return out;
}

// graticule returns meridians and parallels every step degrees over bounds
// [west, south, east, north], as GeoJSON lines.
function graticule(bounds, step) {
  const [west, south, east, north] = [
    Math.floor(bounds[0] / step) * step, Math.max(Math.floor(bounds[1] / step) * step, -85),
    Math.ceil(bounds[2] / step) * step, Math.min(Math.ceil(bounds[3] / step) * step, 85)];
  const features = [];
  const count = (from, to) => Math.round((to - from) / step);
  for (let i = 0; i <= count(west, east); i++) {
    const x = west + i * step;
    features.push({ type: 'Feature', properties: { step }, geometry: { type: 'LineString', coordinates: [[x, south], [x, north]] } });
  }
  for (let i = 0; i <= count(south, north); i++) {
    const y = south + i * step;
    features.push({ type: 'Feature', properties: { step }, geometry: { type: 'LineString', coordinates: [[west, y], [east, y]] } });
  }
  return features;
}

// The neutral base: a plain background and a graticule, denser as the map zooms in.
// The fine steps cover only the data's bounds.
function baseStyle(dataBounds) {
  const margin = 1;
  const near = [dataBounds[0] - margin, dataBounds[1] - margin, dataBounds[2] + margin, dataBounds[3] + margin];
  const levels = [
    { step: 10, bounds: [-180, -85, 180, 85], minzoom: 0, maxzoom: 5 },
    { step: 1, bounds: [-180, -85, 180, 85], minzoom: 5, maxzoom: 8 },
    { step: 0.1, bounds: near, minzoom: 8, maxzoom: 12 },
    { step: 0.01, bounds: near, minzoom: 12, maxzoom: 24 },
  ];
  const features = levels.flatMap((level) => graticule(level.bounds, level.step));
  return {
    source: { type: 'geojson', data: { type: 'FeatureCollection', features } },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': BACKGROUND_COLOUR } },
      ...levels.map((level) => ({
        id: `graticule:${level.step}`, type: 'line', source: 'graticule', minzoom: level.minzoom, maxzoom: level.maxzoom,
        filter: ['==', ['get', 'step'], level.step],
        paint: { 'line-color': GRATICULE_COLOUR, 'line-width': 1 },
      })),
    ],
  };
}

function unionBounds(sources) {
  let bounds = null;
  for (const { tilejson } of sources) {
    const b = tilejson.bounds;
    if (!b) {
      continue;
    }
    bounds = bounds ? [Math.min(bounds[0], b[0]), Math.min(bounds[1], b[1]), Math.max(bounds[2], b[2]), Math.max(bounds[3], b[3])] : b.slice();
  }
  return bounds || [-180, -85, 180, 85];
}

// wmsDrawingOrder sorts layers as the vector style draws them: polygons, then layers of
// mixed geometry, then lines, then points, each in the order of the layer list.
function wmsDrawingOrder(layers) {
  const rank = { polygon: 0, any: 1, linestring: 2, point: 3 };
  return layers
    .map((layer, i) => ({ layer, i, rank: rank[geometryKind(layer.geometryType)] }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((entry) => entry.layer.name);
}

// wmsParameters returns the parameters of a WMS 1.3.0 request for the named layers in
// the default styles. STYLES stays empty, which selects every layer's default style.
function wmsParameters(request, names, crs) {
  return `SERVICE=WMS&VERSION=1.3.0&REQUEST=${request}&LAYERS=${names.map(encodeURIComponent).join(',')}&STYLES=&CRS=${crs}`;
}

// wmsTileURL returns the URL template of the GetMap tiles, in which MapLibre fills in
// the bounding box of each tile.
function wmsTileURL(names) {
  return `${WMS_PATH}?${wmsParameters('GetMap', names, 'EPSG:3857')}&BBOX={bbox-epsg-3857}` +
    `&WIDTH=${WMS_TILE_SIZE}&HEIGHT=${WMS_TILE_SIZE}&FORMAT=image/png&TRANSPARENT=TRUE`;
}

// buildStyle returns the MapLibre style and, for each data layer, the ids of the style
// layers that draw it. The WMS layer starts hidden.
function buildStyle(sources, sourceOf) {
  const bounds = unionBounds(sources);
  const base = baseStyle(bounds);
  const layerIds = new Map();
  const style = { version: 8, sources: { graticule: base.source }, layers: [...base.layers] };
  style.sources[WMS_ID] = {
    type: 'raster', tiles: [wmsTileURL(wmsDrawingOrder(config.layers))], tileSize: WMS_TILE_SIZE, bounds,
  };
  style.layers.push({ id: WMS_ID, type: 'raster', source: WMS_ID, layout: { visibility: 'none' } });
  for (const { name, tilejson } of sources) {
    style.sources[`tiles:${name}`] = {
      type: 'vector', tiles: tilejson.tiles, minzoom: tilejson.minzoom, maxzoom: tilejson.maxzoom,
      bounds: tilejson.bounds, attribution: tilejson.attribution,
    };
  }
  // Polygons below lines below points, each in the order of the layer list.
  const groups = { fill: [], line: [], point: [] };
  for (const layer of config.layers) {
    const set = sourceOf.get(layer.name);
    if (!set) {
      continue;
    }
    const parts = styleLayers(layer, `tiles:${set}`);
    const ids = [];
    for (const key of Object.keys(groups)) {
      groups[key].push(...parts[key]);
      ids.push(...parts[key].map((l) => l.id));
    }
    layerIds.set(layer.name, ids);
  }
  style.layers.push(...groups.fill, ...groups.line, ...groups.point);
  return { style, layerIds };
}

function getFeatureByIdURL(layerName, id) {
  const params = new URLSearchParams({
    SERVICE: 'WFS', VERSION: '2.0.0', REQUEST: 'GetFeature',
    STOREDQUERY_ID: 'urn:ogc:def:query:OGC-WFS::GetFeatureById', ID: `${layerName}.${id}`,
  });
  return `${config.wfs}?${params}`;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
}

// featureInfo builds the popup content: per feature, its id linked to the WFS
// GetFeatureById request, the layer title and the attributes the tile carries.
function featureInfo(features) {
  const titles = new Map(config.layers.map((l) => [l.name, l.title]));
  const container = document.createElement('div');
  container.className = 'feature-info';
  for (const feature of features) {
    const layerName = feature.sourceLayer;
    const heading = document.createElement('h3');
    if (feature.id !== undefined) {
      const link = document.createElement('a');
      link.href = getFeatureByIdURL(layerName, feature.id);
      link.textContent = `${layerName}.${feature.id}`;
      link.target = '_blank';
      link.rel = 'noopener';
      heading.appendChild(link);
      heading.appendChild(document.createTextNode(` ${titles.get(layerName) || ''}`));
    } else {
      heading.textContent = titles.get(layerName) || layerName;
    }
    container.appendChild(heading);
    const table = document.createElement('table');
    for (const [key, value] of Object.entries(feature.properties)) {
      const row = document.createElement('tr');
      cell(row, key);
      cell(row, String(value));
      table.appendChild(row);
    }
    container.appendChild(table);
  }
  return container;
}

// featuresAt lists the features drawn around a point, topmost first, each once.
function featuresAt(map, layerIds, point) {
  const box = [[point.x - CLICK_TOLERANCE, point.y - CLICK_TOLERANCE], [point.x + CLICK_TOLERANCE, point.y + CLICK_TOLERANCE]];
  const seen = new Set();
  const out = [];
  const layers = [...layerIds.values()].flat();
  for (const feature of map.queryRenderedFeatures(box, { layers })) {
    const key = `${feature.sourceLayer}.${feature.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(feature);
    }
  }
  return out;
}

// wmsFeaturesAt requests the features drawn around a point from the WMS, with a
// GetFeatureInfo request on a small map centred on it, in the CRS of the WMS images,
// topmost layer first. It returns them in the form featureInfo reads.
async function wmsFeaturesAt(map, names, lngLat) {
  // A click on a copy of the world east or west of the first one has a longitude
  // beyond ±180°, outside the map CRS's extent.
  const centre = maplibregl.MercatorCoordinate.fromLngLat(lngLat.wrap());
  // MapLibre draws the world 512 CSS pixels wide at zoom 0, and that world is
  // 2 * EARTH_HALF_CIRCUMFERENCE metres wide in EPSG:3857.
  const pixel = (2 * EARTH_HALF_CIRCUMFERENCE) / (512 * 2 ** map.getZoom());
  const half = (WMS_INFO_SIZE - 1) / 2;
  const x = (centre.x * 2 - 1) * EARTH_HALF_CIRCUMFERENCE;
  const y = (1 - centre.y * 2) * EARTH_HALF_CIRCUMFERENCE;
  const bbox = [x - (half + 0.5) * pixel, y - (half + 0.5) * pixel, x + (half + 0.5) * pixel, y + (half + 0.5) * pixel];
  const topmostFirst = [...names].reverse();
  const url = `${WMS_PATH}?${wmsParameters('GetFeatureInfo', topmostFirst, 'EPSG:3857')}` +
    `&QUERY_LAYERS=${topmostFirst.map(encodeURIComponent).join(',')}&BBOX=${bbox.join(',')}` +
    `&WIDTH=${WMS_INFO_SIZE}&HEIGHT=${WMS_INFO_SIZE}&I=${half}&J=${half}` +
    `&INFO_FORMAT=application/json&FEATURE_COUNT=${MAX_POPUP_FEATURES}`;
  const collection = await fetchJSON(url);
  return collection.features.map((feature) => {
    const prefix = `${feature.layer}.`;
    const id = typeof feature.id === 'string' && feature.id.startsWith(prefix) ? feature.id.slice(prefix.length) : undefined;
    const properties = Object.fromEntries(Object.entries(feature.properties || {}).filter(([, value]) => value !== null));
    return { sourceLayer: feature.layer, id, properties };
  });
}

// layerControls wires the layer check boxes and the mode switch. The map draws the
// checked layers, from vector tiles or from WMS images, as the switch selects. Returns
// a function that reports the current mode and the names of the layers the WMS draws.
function layerControls(map, layerIds) {
  const boxes = [...document.querySelectorAll('input[data-layer]')];
  const modes = [...document.querySelectorAll('input[name="map-mode"]')];
  let wmsURL = map.getSource(WMS_ID).tiles[0];
  const state = () => {
    const checked = new Set(boxes.filter((box) => box.checked).map((box) => box.dataset.layer));
    const mode = modes.find((input) => input.checked)?.value || 'tiles';
    const wmsLayers = wmsDrawingOrder(config.layers.filter((layer) => checked.has(layer.name)));
    return { checked, mode, wmsLayers };
  };
  const apply = () => {
    const { checked, mode, wmsLayers } = state();
    for (const [name, ids] of layerIds) {
      const visibility = mode === 'tiles' && checked.has(name) ? 'visible' : 'none';
      for (const id of ids) {
        map.setLayoutProperty(id, 'visibility', visibility);
      }
    }
    if (wmsLayers.length > 0 && wmsTileURL(wmsLayers) !== wmsURL) {
      wmsURL = wmsTileURL(wmsLayers);
      map.getSource(WMS_ID).setTiles([wmsURL]);
    }
    map.setLayoutProperty(WMS_ID, 'visibility', mode === 'wms' && wmsLayers.length > 0 ? 'visible' : 'none');
    mapElement.dataset.mapMode = mode;
  };
  for (const box of boxes) {
    if (!layerIds.has(box.dataset.layer)) {
      // Such a layer has no vector tiles, but the WMS can still draw it.
      box.closest('tr').classList.add('no-tiles');
    }
    box.disabled = false;
    box.addEventListener('change', apply);
  }
  for (const input of modes) {
    input.addEventListener('change', apply);
  }
  apply();
  return state;
}

function paintLegend() {
  for (const swatch of document.querySelectorAll('.swatch[data-colour]')) {
    swatch.style.backgroundColor = swatch.dataset.colour;
  }
}

// startView opens the map one zoom above the first zoom of the start layer, at the place
// the server chose, so that features show at once. Without such a place, the map fits
// the bounds of the first tile source.
function startView(sources, minZooms) {
  const home = config.home;
  if (home && minZooms.has(home.layer)) {
    return { center: [home.lon, home.lat], zoom: minZooms.get(home.layer) + 1 };
  }
  const first = sources.find((s) => s.tilejson.bounds);
  return first ? { bounds: first.tilejson.bounds, fitBoundsOptions: { padding: 20 } } : {};
}

async function main() {
  paintLegend();
  let tileSets;
  try {
    tileSets = await readTileSets();
  } catch (err) {
    mapElement.dataset.mapState = 'error';
    setStatus(`The tile index could not be read: ${err.message}`);
    console.error('tile index', err);
    return;
  }
  const { sources, sourceOf, minZooms } = tileSets;
  const { style, layerIds } = buildStyle(sources, sourceOf);
  const map = new maplibregl.Map({
    container: mapElement,
    style,
    // A position in the URL (#zoom/lat/lon) takes precedence over this one.
    hash: true,
    ...startView(sources, minZooms),
    attributionControl: false,
  });
  // Tests and the browser console reach the map here.
  window.fourreauMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.addControl(new maplibregl.ScaleControl());
  map.on('error', (event) => {
    setStatus(`Map error: ${event.error && event.error.message}`);
    console.error('map', event.error);
  });
  map.once('idle', () => {
    mapElement.dataset.mapState = 'idle';
  });
  // The style must be loaded before the controls change its layers.
  await new Promise((resolve) => map.once('load', resolve));
  const controls = layerControls(map, layerIds);
  const showPopup = (lngLat, features) => {
    if (features.length > 0) {
      new maplibregl.Popup({ maxWidth: '360px' }).setLngLat(lngLat)
        .setDOMContent(featureInfo(features.slice(0, MAX_POPUP_FEATURES))).addTo(map);
    }
  };
  map.on('click', async (event) => {
    const { mode, wmsLayers } = controls();
    if (mode === 'tiles') {
      showPopup(event.lngLat, featuresAt(map, layerIds, event.point));
      return;
    }
    if (wmsLayers.length === 0) {
      return;
    }
    try {
      showPopup(event.lngLat, await wmsFeaturesAt(map, wmsLayers, event.lngLat));
    } catch (err) {
      setStatus(`GetFeatureInfo failed: ${err.message}`);
      console.error('GetFeatureInfo', err);
    }
  });
  map.on('mousemove', (event) => {
    const pointer = controls().mode === 'tiles' && featuresAt(map, layerIds, event.point).length > 0;
    map.getCanvas().style.cursor = pointer ? 'pointer' : '';
  });
  if (sources.length === 0) {
    setStatus('No layer has vector tiles that you may read.');
  }
}

main();
