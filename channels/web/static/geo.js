// Fill the location fields from the device when the citizen asks; the form works without this file.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  if (!button || !("geolocation" in navigator)) {
    return;
  }
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  var status = document.getElementById("location-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = button.getAttribute("data-busy");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        status.textContent = button.getAttribute("data-found");
        button.disabled = false;
      },
      function () {
        status.textContent = button.getAttribute("data-failed");
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
