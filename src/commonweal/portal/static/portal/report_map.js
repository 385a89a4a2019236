// Progressive enhancement: with JavaScript and Leaflet, a map fills in the latitude and
// longitude fields; without them, the same fields, the address and the area work alone.
(function () {
  var holder = document.getElementById("map");
  var lat = document.getElementById("id_lat");
  var long = document.getElementById("id_long");
  if (!holder || !lat || !long || typeof L === "undefined") return;
  holder.hidden = false;
  var start = lat.value && long.value ? [parseFloat(lat.value), parseFloat(long.value)] : null;
  var center = (holder.dataset.center || "40,-75").split(",").map(parseFloat);
  var map = L.map(holder).setView(start || center, start ? 16 : 12);
  L.tileLayer(holder.dataset.tiles, { attribution: holder.dataset.attribution, maxZoom: 19 }).addTo(map);
  var pin = start ? L.marker(start).addTo(map) : null;
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    long.value = event.latlng.lng.toFixed(6);
    if (pin) pin.setLatLng(event.latlng); else pin = L.marker(event.latlng).addTo(map);
  });
})();
