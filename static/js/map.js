// The public strike map. The page carries its data as JSON (no inline script, for the CSP);
// the list of places under the map says the same, so the page works without this script.
(function () {
  "use strict";

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // Built from DOM nodes, not an HTML string: titles and addresses are user-entered text.
  function popup(place) {
    const box = el("div", null, "map-popup");
    box.appendChild(el("h3", place.name));
    if (place.address) box.appendChild(el("p", place.address));
    const list = el("ul");
    place.disputes.forEach((dispute) => {
      const item = el("li");
      const link = el("a", dispute.title);
      link.href = dispute.url;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" (" + dispute.unions + ")"));
      const days = dispute.days.slice();
      if (dispute.more_days) days.push("and more");
      if (days.length) item.appendChild(el("p", days.join("; ")));
      list.appendChild(item);
    });
    box.appendChild(list);
    (place.picket_lines || []).forEach((line) => {
      const item = el("p", null, "map-picket");
      item.appendChild(el("strong", "Picket line: "));
      item.appendChild(document.createTextNode(line.place + ", " + line.times + ". "));
      const link = el("a", "I'll go");
      link.href = line.url;
      item.appendChild(link);
      box.appendChild(item);
    });
    return box;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const container = document.getElementById("strike-map");
    const source = document.getElementById("strike-map-data");
    if (!container || !source || !window.L) return;
    const data = JSON.parse(source.textContent);
    if (!data.places.length) return;

    window.L.Icon.Default.imagePath = "";
    window.L.Icon.Default.mergeOptions(data.icons);
    const map = window.L.map(container, { scrollWheelZoom: false });
    if (data.tileUrl) {
      window.L.tileLayer(data.tileUrl, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
    }
    const markers = data.places.map((place) =>
      window.L.marker([place.lat, place.lng], { title: place.name, alt: place.name })
        // Keep an opened popup clear of the zoom buttons in the top left corner.
        .bindPopup(() => popup(place), { maxWidth: 230, autoPanPaddingTopLeft: [56, 12] })
        .addTo(map),
    );
    if (markers.length === 1) {
      map.setView(markers[0].getLatLng(), 15);
    } else {
      map.fitBounds(window.L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 15 });
    }
  });
})();
