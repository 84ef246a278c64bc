/* Portail OF — améliorations progressives. Tout fonctionne sans ce fichier ; il ajoute :
   envoi automatique des sélecteurs, dialogues de confirmation, garde des saisies non enregistrées,
   copie de la clé, glisser-déposer des fichiers. Aucun script en ligne : compatible avec une CSP stricte. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function announce(text) {
    var live = document.getElementById("annonce");
    if (!live) {
      live = document.createElement("p");
      live.id = "annonce";
      live.className = "sr";
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  // --- Sélecteurs qui s'envoient seuls (établissement, lignes par page) --------------------------
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-autosubmit") && event.target.tagName === "SELECT") {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  // --- Dépôt de facture : l'échéance choisie reprend son reste à facturer dans les montants --------
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (radio.name !== "echeance" || !radio.hasAttribute("data-reste")) { return; }
    ["id_montant_ht", "id_montant_ttc"].forEach(function (id) {
      var field = document.getElementById(id);
      if (field) { field.value = radio.getAttribute("data-reste"); }
    });
    announce("Montants repris du reste à facturer de l'échéance : " + radio.getAttribute("data-reste") + " euros.");
  });

  // --- Dialogue partagé : les pages de confirmation chargées par htmx s'y affichent ------------
  function dialog() { return document.getElementById("dialogue"); }
  document.addEventListener("htmx:afterSwap", function (event) {
    var d = dialog();
    if (d && event.detail.target && event.detail.target.id === "dialogue-contenu" && !d.open) {
      d.showModal();
      var focus = d.querySelector("[autofocus], button, a, input, select, textarea");
      if (focus) { focus.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-fermer]");
    var d = closer && closer.closest("dialog");
    if (d) {
      // In the dialog « Annuler » closes it; on a full page (no JavaScript dialog) the link is followed.
      event.preventDefault();
      d.close();
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    announce("La demande n'a pas abouti (erreur " + event.detail.xhr.status + "). Rechargez la page.");
  });

  // --- Garde : quitter un formulaire modifié sans l'enregistrer ---------------------------------
  var dirty = false;
  var leaving = null;
  document.addEventListener("input", function (event) {
    if (event.target.form && event.target.form.hasAttribute("data-garde")) { dirty = true; }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-garde")) { dirty = false; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!dirty || !link || link.hasAttribute("data-sans-garde") || link.target === "_blank") { return; }
    if (link.getAttribute("href").charAt(0) === "#") { return; }
    var template = document.getElementById("garde-dialogue");
    var d = dialog();
    if (!template || !d) { return; }
    event.preventDefault();
    leaving = link.href;
    var box = document.getElementById("dialogue-contenu");
    box.innerHTML = "";
    box.appendChild(template.content.cloneNode(true));
    d.showModal();
    var first = d.querySelector("button");
    if (first) { first.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-quitter]") && leaving) {
      dirty = false;
      window.location.href = leaving;
    }
  });
  window.portailSaisieEnregistree = function () { dirty = false; };
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-enregistre") && event.detail.successful) { dirty = false; }
  });

  // --- Copier la clé --------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copier]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copier"));
    if (!field) { return; }
    field.select();
    var done = function () { announce("Copiée dans le presse-papiers."); button.textContent = "Copiée ✓"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // --- Glisser-déposer des fichiers -------------------------------------------------------------
  function listFiles(zone, input) {
    var list = zone.querySelector(".fichiers-choisis");
    if (!list) { return; }
    list.innerHTML = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " Ko)";
      list.appendChild(item);
    });
    announce(input.files.length + " fichier(s) sélectionné(s).");
  }
  onReady(function () {
    var focus = document.querySelector("[data-focus]");
    if (focus) { focus.focus(); }
    document.querySelectorAll(".zone-depot").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      if (!input) { return; }
      input.addEventListener("change", function () { listFiles(zone, input); });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("survol"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("survol"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
        var transfer = new DataTransfer();
        var files = input.multiple ? event.dataTransfer.files : [event.dataTransfer.files[0]];
        Array.prototype.forEach.call(files, function (file) { transfer.items.add(file); });
        input.files = transfer.files;
        listFiles(zone, input);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  });
})();
