// The regional map: tiles from the configured tile server (a "{z}/{x}/{y}" address) and one
// marker per lab, drawn with plain <img> and <a> elements. Without a tile server the page
// has no map and lists the labs instead; without JavaScript the list stays.
(function () {
  "use strict";
  var TILE = 256;

  function project(lat, lon, zoom) {
    var scale = TILE * Math.pow(2, zoom);
    var sin = Math.sin((lat * Math.PI) / 180);
    return {
      x: ((lon + 180) / 360) * scale,
      y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale,
    };
  }

  function fittingZoom(points, width, height) {
    for (var zoom = 13; zoom > 1; zoom--) {
      var xs = points.map(function (p) { return project(p.lat, p.lon, zoom).x; });
      var ys = points.map(function (p) { return project(p.lat, p.lon, zoom).y; });
      var spanX = Math.max.apply(null, xs) - Math.min.apply(null, xs);
      var spanY = Math.max.apply(null, ys) - Math.min.apply(null, ys);
      if (spanX < width * 0.8 && spanY < height * 0.8) return zoom;
    }
    return 2;
  }

  function tileUrl(template, z, x, y) {
    return template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
  }

  function draw(map) {
    var points = JSON.parse(map.getAttribute("data-points") || "[]");
    if (!points.length) return;
    map.hidden = false;
    var width = map.clientWidth, height = map.clientHeight;
    var zoom = fittingZoom(points, width, height);
    var projected = points.map(function (p) { return project(p.lat, p.lon, zoom); });
    var cx = projected.reduce(function (s, p) { return s + p.x; }, 0) / projected.length;
    var cy = projected.reduce(function (s, p) { return s + p.y; }, 0) / projected.length;
    var left = cx - width / 2, top = cy - height / 2, count = Math.pow(2, zoom);
    var template = map.getAttribute("data-tiles");
    for (var tx = Math.floor(left / TILE); tx <= Math.floor((left + width) / TILE); tx++) {
      for (var ty = Math.floor(top / TILE); ty <= Math.floor((top + height) / TILE); ty++) {
        if (ty < 0 || ty >= count) continue;
        var img = document.createElement("img");
        img.className = "map-tile";
        img.alt = "";
        img.src = tileUrl(template, zoom, ((tx % count) + count) % count, ty);
        img.style.left = tx * TILE - left + "px";
        img.style.top = ty * TILE - top + "px";
        map.appendChild(img);
      }
    }
    points.forEach(function (point, i) {
      var marker = document.createElement("a");
      marker.className = "map-marker";
      marker.href = point.url;
      marker.title = point.name;
      marker.textContent = point.name;
      marker.style.left = projected[i].x - left + "px";
      marker.style.top = projected[i].y - top + "px";
      map.appendChild(marker);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var map = document.getElementById("network-map");
    if (map) draw(map);
  });
})();
