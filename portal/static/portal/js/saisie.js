/* Portail OF — formulaire de saisie du contrat d'apprentissage. Tout fonctionne sans ce fichier (chaque
   bouton envoie le formulaire) ; il retient les champs parcourus et les blocs quittés (pour n'annoncer
   un champ obligatoire vide qu'après le passage de l'utilisateur), mène « Bloc suivant », relie les
   erreurs renvoyées par le serveur à leurs champs (aria-invalid). Aucune règle n'est écrite ici. */
(function () {
  "use strict";
  var form = document.getElementById("saisie");
  if (!form) { return; }

  function hidden(name) { return form.querySelector('input[type="hidden"][name="' + name + '"]'); }
  function remember(name, word) {
    var input = hidden(name);
    if (!input || !word) { return false; }
    var words = input.value ? input.value.split(" ") : [];
    if (words.indexOf(word) !== -1) { return false; }
    words.push(word);
    input.value = words.join(" ");
    return true;
  }
  function verify() { if (window.htmx) { window.htmx.trigger(form, "verifier"); } }
  function isField(el) { return el && el.name && el.name.charAt(0) !== "_" && el.form === form; }
  function markDirty() {
    var field = form.querySelector("input:not([type=hidden]), select, textarea");
    if (field) { field.dispatchEvent(new Event("input", { bubbles: true })); }
  }

  // Le champ modifié : retenu avant que htmx n'envoie le formulaire (phase de capture).
  document.addEventListener("change", function (event) {
    if (!isField(event.target)) { return; }
    remember("_vus", event.target.name);
    hidden("_dernier").value = event.target.name;
  }, true);
  // La vérification part toujours vers son adresse, même si htmx a retenu un bouton (et son formaction).
  form.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt === form) { event.detail.path = form.getAttribute("hx-post"); }
    hidden("_dernier").value = "";
  });

  // Un champ parcouru, un bloc quitté : ses champs obligatoires vides peuvent être signalés.
  form.addEventListener("focusout", function (event) {
    if (isField(event.target)) { remember("_vus", event.target.name); }
    var section = event.target.closest("[data-bloc]");
    var next = event.relatedTarget;
    if (section && next && !section.contains(next) && remember("_blocs", section.getAttribute("data-bloc"))) {
      verify();
    }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-bloc-suivant]");
    if (!button) { return; }
    event.preventDefault();
    var section = button.closest("[data-bloc]");
    if (section) { remember("_blocs", section.getAttribute("data-bloc")); }
    verify();
    var title = document.getElementById("titre-bloc-" + button.getAttribute("data-bloc-suivant"));
    if (title) { title.focus(); title.scrollIntoView({ block: "start" }); }
  });

  // Entrée dans la recherche d'établissement : rechercher (et non vérifier tout le formulaire).
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.id !== "recherche-siret") { return; }
    event.preventDefault();
    var button = form.querySelector("[data-recherche]");
    if (button) { button.click(); }
  });

  // Après chaque échange : l'état d'erreur de chaque champ suit le message affiché.
  function sync() {
    form.querySelectorAll(".erreur-slot").forEach(function (slot) {
      var box = slot.closest(".champ");
      if (!box) { return; }
      var bad = slot.querySelector(".erreur-champ") !== null;
      box.classList.toggle("en-erreur", bad);
      box.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (el) {
        if (bad) { el.setAttribute("aria-invalid", "true"); } else { el.removeAttribute("aria-invalid"); }
      });
    });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    sync();
    if (event.detail.target && event.detail.target.id === "periodes") {
      markDirty();
      verify();
      var first = document.querySelector("#periodes input, #periodes button");
      if (first) { first.focus(); }
    }
  });
  // Un établissement choisi : ses champs grisés ont été remplacés ; le message de sélection prend le focus.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "resultats-employeur") { return; }
    markDirty();
    verify();
    var message = document.querySelector("[data-apres-choix]");
    if (message) { message.focus(); }
  });
})();
