// The /map page: a full-window MapLibre map of the base tileset with a side
// panel showing the record of a clicked feature. Everything is loaded from
// this service; no external URLs.
(function () {
  'use strict';

  window.__mapIdle = false;
  window.__mapError = null;
  window.__mapErrors = [];

  var SOURCE = 'fangyu';
  var DEFAULT_CENTER = [121.55, 29.87]; // 宁波
  var DEFAULT_ZOOM = 9;

  var statusEl = document.getElementById('status');
  var panel = document.getElementById('panel');
  var panelTitle = document.getElementById('panel-title');
  var panelBody = document.getElementById('panel-body');

  function recordError(err) {
    var msg = err && err.message ? err.message : String(err);
    window.__mapError = msg;
    window.__mapErrors.push(msg);
    if (window.console) console.error('map error:', msg);
    return msg;
  }

  function showStatus(text) {
    statusEl.textContent = text;
    statusEl.hidden = false;
    clearTimeout(showStatus.timer);
    showStatus.timer = setTimeout(function () { statusEl.hidden = true; }, 6000);
  }

  if (typeof maplibregl === 'undefined') {
    recordError('maplibre-gl.js 未能加载');
    showStatus('地图组件未能加载（/map/maplibre-gl.js）');
    return;
  }

  // ---- labels -------------------------------------------------------------

  var LEVEL_NAMES = {
    1: '省级', 2: '地级', 3: '县级', 4: '乡级', 5: '村级',
    province: '省级', prefecture: '地级', county: '县级', township: '乡级', village: '村级'
  };
  var DIVISION_LAYERS = { province: 1, prefecture: 2, county: 3, township: 4, village: 5 };
  var STATUS_NAMES = {
    current: '现行', historical: '历史', retired: '已注销',
    intact: '完好', damaged: '损坏', missing: '缺失', moved: '移位'
  };
  var PLACE_CLASSES = {
    road: '道路', street: '街', lane: '巷弄', compound: '居民区', building: '建筑物',
    bridge: '桥梁', village: '自然村', park: '公园广场', station: '交通设施',
    mountain: '山', water: '水系', island: '岛屿', other: '其他'
  };
  var FIELD_NAMES = {
    code: '代码', address_code: '地址编码', id: '编号', name: '名称', short_name: '简称',
    level: '级别', pinyin: '拼音', status: '状态', parent: '上级区划', divisions: '所属区划',
    valid_from: '启用日期', valid_to: '停用日期', seat: '驻地坐标', bbox: '范围',
    children: '下级数量', changes: '变更记录', versions: '历史名称', class: '类别',
    class_label: '类别', specific: '专名', generic: '通名', division_code: '区划代码',
    meaning: '含义', history: '沿革', former_names: '曾用名', approval: '批准',
    approved_by: '批准机关', document: '批准文号', date: '批准日期', source: '来源',
    standard_address: '标准地址', kind: '类型', street: '街路巷/小区', place_id: '地名编号',
    number: '门牌号', number_prefix: '号前缀', number_main: '主号', number_sub: '附号',
    group: '组号', building: '楼栋', unit: '单元', room: '户室', rank: '等级',
    left: '左侧区划', right: '右侧区划', condition: '状况', line_code: '界线编号'
  };
  // Shown first, in this order; the rest follow in response order.
  var FIELD_ORDER = [
    'standard_address', 'name', 'short_name', 'code', 'address_code', 'id', 'level',
    'class_label', 'class', 'specific', 'generic', 'pinyin', 'status', 'kind', 'street',
    'number', 'building', 'unit', 'room', 'parent', 'divisions', 'division_code'
  ];
  var HIDDEN_FIELDS = { class: true, bbox: true, number_prefix: true, number_main: true, number_sub: true };

  // ---- map ----------------------------------------------------------------

  var map;
  try {
    map = new maplibregl.Map({
      container: 'map',
      style: '/styles/base.json',
      center: DEFAULT_CENTER,
      zoom: DEFAULT_ZOOM,
      minZoom: 0,
      maxZoom: 19,
      hash: true, // #zoom/lat/lon
      // CJK glyphs are drawn in the browser; other ranges come from the
      // style's glyphs endpoint (and are drawn locally too if it fails).
      localIdeographFontFamily: '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", ' +
        '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif',
      attributionControl: false
    });
  } catch (e) {
    recordError(e);
    showStatus('无法创建地图：' + (e && e.message ? e.message : e) + '（浏览器需支持 WebGL）');
    return;
  }
  window.__map = map;

  map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');

  map.once('idle', function () { window.__mapIdle = true; });
  map.on('error', function (e) {
    var msg = recordError(e && e.error ? e.error : e);
    if (!map.loaded()) showStatus('地图加载出错：' + msg);
  });

  // Layers of the style that can be clicked, by source layer.
  var INTERACTIVE = ['door_plate', 'marker', 'place', 'road', 'boundary',
    'village', 'township', 'county', 'prefecture', 'province'];
  var interactiveLayers = [];

  map.on('load', function () {
    addSelectionLayers();
    // Points and lines by any drawn layer; divisions only by their fills, so
    // a click inside an area picks the finest level whose fill is showing.
    interactiveLayers = map.getStyle().layers
      .filter(function (l) {
        if (l.source !== SOURCE || INTERACTIVE.indexOf(l['source-layer']) < 0) return false;
        if (DIVISION_LAYERS[l['source-layer']]) return l.type === 'fill';
        return l.type !== 'symbol';
      })
      .map(function (l) { return l.id; });
  });

  // Outlines the selected division / point / line on top of the style.
  function addSelectionLayers() {
    Object.keys(DIVISION_LAYERS).forEach(function (sl) {
      map.addLayer({
        id: 'selected-' + sl,
        type: 'line',
        source: SOURCE,
        'source-layer': sl,
        filter: ['==', ['get', 'code'], '\u0000'],
        paint: { 'line-color': '#e8590c', 'line-width': 3, 'line-opacity': 0.9 }
      });
    });
    map.addSource('selected-geometry', { type: 'geojson', data: emptyCollection() });
    map.addLayer({
      id: 'selected-line', type: 'line', source: 'selected-geometry',
      filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': '#e8590c', 'line-width': 5, 'line-opacity': 0.6 }
    });
    map.addLayer({
      id: 'selected-point', type: 'circle', source: 'selected-geometry',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': '#e8590c', 'circle-stroke-width': 3
      }
    });
  }

  function emptyCollection() { return { type: 'FeatureCollection', features: [] }; }

  function clearSelection() {
    if (!map.getSource('selected-geometry')) return;
    Object.keys(DIVISION_LAYERS).forEach(function (sl) {
      map.setFilter('selected-' + sl, ['==', ['get', 'code'], '\u0000']);
    });
    map.getSource('selected-geometry').setData(emptyCollection());
  }

  function select(feature) {
    clearSelection();
    if (!map.getSource('selected-geometry')) return;
    var sl = feature.sourceLayer;
    if (DIVISION_LAYERS[sl]) {
      map.setFilter('selected-' + sl, ['==', ['get', 'code'], String(feature.properties.code)]);
    } else {
      map.getSource('selected-geometry').setData({
        type: 'Feature', properties: {}, geometry: feature.geometry
      });
    }
  }

  function pickFeature(point) {
    var pad = 5;
    var box = [[point.x - pad, point.y - pad], [point.x + pad, point.y + pad]];
    var features = map.queryRenderedFeatures(box, { layers: interactiveLayers });
    var best = null;
    var bestRank = Infinity;
    features.forEach(function (f) {
      var rank = INTERACTIVE.indexOf(f.sourceLayer);
      if (rank >= 0 && rank < bestRank) { best = f; bestRank = rank; }
    });
    return best;
  }

  map.on('mousemove', function (e) {
    if (!interactiveLayers.length) return;
    var f = pickFeature(e.point);
    map.getCanvas().style.cursor = f ? 'pointer' : '';
  });

  map.on('click', function (e) {
    if (!interactiveLayers.length) return;
    var f = pickFeature(e.point);
    if (!f) { closePanel(); return; }
    select(f);
    showFeature(f);
  });

  document.getElementById('panel-close').addEventListener('click', closePanel);
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closePanel(); });

  function closePanel() {
    panel.hidden = true;
    clearSelection();
  }

  // ---- records ------------------------------------------------------------

  var requestSeq = 0;

  function recordUrl(feature) {
    var p = feature.properties || {};
    var sl = feature.sourceLayer;
    if (DIVISION_LAYERS[sl] || sl === 'division_label') {
      return p.code != null ? '/divisions/' + encodeURIComponent(p.code) : null;
    }
    if (sl === 'place' || sl === 'road') {
      // The `id` attribute, else the tile feature id.
      var id = p.id != null ? p.id : feature.id;
      return id != null ? '/places/' + encodeURIComponent(id) : null;
    }
    if (sl === 'door_plate') {
      return p.code != null ? '/addresses/' + encodeURIComponent(p.code) : null;
    }
    return null;
  }

  function kindLabel(feature) {
    var sl = feature.sourceLayer;
    var p = feature.properties || {};
    if (DIVISION_LAYERS[sl]) return '行政区划 · ' + (LEVEL_NAMES[DIVISION_LAYERS[sl]] || '');
    switch (sl) {
      case 'place': return '地名 · ' + (PLACE_CLASSES[p.class] || p.class || '');
      case 'road': return '道路 · ' + (PLACE_CLASSES[p.class] || p.class || '');
      case 'door_plate': return '门牌地址';
      case 'marker': return '界桩';
      case 'boundary': return '行政区域界线 · ' + (LEVEL_NAMES[p.level] || '');
      default: return sl;
    }
  }

  function featureTitle(feature) {
    var p = feature.properties || {};
    if (feature.sourceLayer === 'boundary') return '界线';
    return p.name || p.code || p.id || '要素';
  }

  function showFeature(feature) {
    var url = recordUrl(feature);
    var kind = kindLabel(feature);
    openPanel(featureTitle(feature));
    panelBody.appendChild(el('div', 'kind', kind));
    if (!url) {
      panelBody.appendChild(renderFields(feature.properties || {}, feature.sourceLayer));
      return;
    }
    loadRecord(url, kind, feature.properties || {});
  }

  function loadRecord(url, kind, fallbackProps) {
    var seq = ++requestSeq;
    var note = el('p', 'note', '正在查询…');
    panelBody.appendChild(note);
    fetch(url, { headers: { Accept: 'application/json' } })
      .then(function (resp) {
        return resp.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
          if (!resp.ok) {
            var detail = body && (body.detail || body.title) ? (body.detail || body.title) : resp.status + ' ' + resp.statusText;
            throw new Error(detail);
          }
          return body;
        });
      })
      .then(function (record) {
        if (seq !== requestSeq) return;
        var props = record && record.properties ? record.properties : record || {};
        openPanel(props.standard_address || props.name || panelTitle.textContent);
        panelBody.appendChild(el('div', 'kind', kind));
        panelBody.appendChild(renderFields(props));
        var target = zoomTarget(record, props);
        if (target) {
          var a = el('a', null, '缩放至此');
          a.href = '#';
          a.addEventListener('click', function (ev) { ev.preventDefault(); target(); });
          var p = el('p');
          p.appendChild(a);
          panelBody.appendChild(p);
        }
      })
      .catch(function (err) {
        if (seq !== requestSeq) return;
        note.remove();
        panelBody.appendChild(el('p', 'error', '无法获取记录：' + (err && err.message ? err.message : err)));
        panelBody.appendChild(renderFields(fallbackProps));
      });
  }

  function zoomTarget(record, props) {
    if (Array.isArray(props.bbox) && props.bbox.length === 4) {
      return function () {
        map.fitBounds([[props.bbox[0], props.bbox[1]], [props.bbox[2], props.bbox[3]]], { padding: 40 });
      };
    }
    var g = record && record.geometry;
    if (g && g.type === 'Point' && Array.isArray(g.coordinates)) {
      return function () { map.flyTo({ center: g.coordinates, zoom: Math.max(map.getZoom(), 17) }); };
    }
    return null;
  }

  function openPanel(title) {
    panelTitle.textContent = title;
    panelBody.textContent = '';
    panel.hidden = false;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function isEmpty(v) {
    return v == null || v === '' || (Array.isArray(v) && v.length === 0);
  }

  function renderFields(props) {
    var table = el('table');
    var keys = Object.keys(props);
    keys.sort(function (a, b) {
      var ia = FIELD_ORDER.indexOf(a), ib = FIELD_ORDER.indexOf(b);
      if (ia < 0) ia = FIELD_ORDER.length + keys.indexOf(a);
      if (ib < 0) ib = FIELD_ORDER.length + keys.indexOf(b);
      return ia - ib;
    });
    keys.forEach(function (k) {
      var v = props[k];
      if (isEmpty(v) || (HIDDEN_FIELDS[k] && !(k === 'class' && !props.class_label))) return;
      var cell = renderValue(k, v);
      if (!cell) return;
      var tr = el('tr');
      tr.appendChild(el('th', null, FIELD_NAMES[k] || k));
      var td = el('td');
      td.appendChild(cell);
      tr.appendChild(td);
      table.appendChild(tr);
    });
    return table;
  }

  function divisionLink(d) {
    var a = el('a', null, d.name + (d.code ? '（' + d.code + '）' : ''));
    a.href = '#';
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      var lv = LEVEL_NAMES[d.level] || '';
      loadRecordInto('/divisions/' + encodeURIComponent(d.code), '行政区划' + (lv ? ' · ' + lv : ''), d);
    });
    return a;
  }

  function loadRecordInto(url, kind, props) {
    openPanel(props.name || props.code || '');
    panelBody.appendChild(el('div', 'kind', kind));
    loadRecord(url, kind, props);
  }

  function text(v) { return document.createTextNode(String(v)); }

  function renderValue(key, v) {
    switch (key) {
      case 'level':
        return text(LEVEL_NAMES[v] || v);
      case 'status':
      case 'condition':
        return text(STATUS_NAMES[v] || v);
      case 'class':
        return text(PLACE_CLASSES[v] || v);
      case 'seat':
        return Array.isArray(v) ? text(v.map(function (n) { return Number(n).toFixed(5); }).join(', ')) : text(v);
      case 'parent':
        return v && v.code ? divisionLink(v) : text(JSON.stringify(v));
      case 'divisions': {
        if (!Array.isArray(v)) break;
        var ol = el('ol', 'chain');
        v.forEach(function (d) {
          var li = el('li');
          li.appendChild(d && d.code ? divisionLink(d) : text(JSON.stringify(d)));
          ol.appendChild(li);
        });
        return ol;
      }
      case 'left':
      case 'right':
        return divisionLink({ code: String(v), name: String(v) });
      case 'former_names':
        if (Array.isArray(v)) return text(v.map(function (n) { return n && n.name ? n.name : n; }).join('、'));
        break;
      case 'versions':
        if (Array.isArray(v)) {
          return text(v.map(function (x) {
            return x.name + '（' + (x.valid_from || '…') + ' 至 ' + (x.valid_to || '今') + '）';
          }).join('；'));
        }
        break;
      case 'changes':
        if (Array.isArray(v)) {
          var ul = el('ol', 'chain');
          v.forEach(function (c) {
            var parts = [c.date, c.kind];
            if (c.old_name || c.old_code) parts.push((c.old_name || '') + (c.old_code ? '（' + c.old_code + '）' : ''));
            if (c.new_name || c.new_code) parts.push('→ ' + (c.new_name || '') + (c.new_code ? '（' + c.new_code + '）' : ''));
            if (c.doc_no) parts.push(c.doc_no);
            ul.appendChild(el('li', null, parts.filter(Boolean).join(' ')));
          });
          return ul;
        }
        break;
      case 'approval':
        if (v && typeof v === 'object') {
          var parts2 = [v.approved_by, v.document, v.date].filter(function (x) { return !isEmpty(x); });
          return parts2.length ? text(parts2.join('，')) : null;
        }
        break;
      default:
        break;
    }
    if (typeof v === 'object') return el('pre', null, JSON.stringify(v, null, 1));
    return text(v);
  }
})();
