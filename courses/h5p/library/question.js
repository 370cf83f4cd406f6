/*
 * Aula.Question 1.0: a question with one correct answer, as an H5P content type.
 * Part of Aula. MIT License: use, copy, modify and distribute freely, keeping this notice.
 *
 * Parameters: {question: "text", options: [{text: "text", correct: true|false}],
 *              l10n: {check, correct, incorrect}}. Every text is shown as plain text.
 */
(function (window, document) {
  'use strict';

  var H5P = window.H5P || {};
  var Aula = window.Aula = window.Aula || {};
  var Dispatcher = H5P.EventDispatcher || function () {};
  var instances = 0;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }

  function Question(params, contentId, extras) {
    Dispatcher.call(this);
    params = params || {};
    var l10n = params.l10n || {};
    var state = extras && extras.previousState;
    this.contentId = contentId;
    this.question = params.question || '';
    this.options = params.options instanceof Array ? params.options : [];
    this.labels = {
      check: l10n.check || 'Comprobar',
      correct: l10n.correct || 'Correcto',
      incorrect: l10n.incorrect || 'Incorrecto'
    };
    this.selected = state && typeof state.selected === 'number' &&
      state.selected >= 0 && state.selected < this.options.length ? state.selected : -1;
    this.id = 'aula-question-' + (instances += 1);
  }

  Question.prototype = Object.create(Dispatcher.prototype);
  Question.prototype.constructor = Question;

  Question.prototype.attach = function ($container) {
    var self = this;
    var root = $container && $container.get ? $container.get(0) : $container;
    var fieldset = element('fieldset', 'aula-question__fieldset');
    var list = element('ul', 'aula-question__options');
    var button = element('button', 'aula-question__check', this.labels.check);
    this.feedback = element('p', 'aula-question__feedback');
    this.feedback.setAttribute('aria-live', 'polite');
    fieldset.appendChild(element('legend', 'aula-question__text', this.question));
    this.options.forEach(function (option, index) {
      var item = element('li', 'aula-question__option');
      var label = element('label');
      var input = element('input');
      input.type = 'radio';
      input.name = self.id;
      input.checked = index === self.selected;
      input.addEventListener('change', function () {
        self.selected = index;
        self.feedback.textContent = '';
        self.feedback.className = 'aula-question__feedback';
      });
      label.appendChild(input);
      label.appendChild(element('span', 'aula-question__label', option && option.text));
      item.appendChild(label);
      list.appendChild(item);
    });
    fieldset.appendChild(list);
    button.type = 'button';
    button.addEventListener('click', function () { self.check(); });
    while (root.firstChild) { root.removeChild(root.firstChild); }
    root.classList.add('aula-question');
    root.appendChild(fieldset);
    root.appendChild(button);
    root.appendChild(this.feedback);
  };

  Question.prototype.check = function () {
    if (this.selected < 0 || !this.feedback) { return; }
    var score = this.getScore();
    this.feedback.textContent = score === 1 ? this.labels.correct : this.labels.incorrect;
    this.feedback.className = 'aula-question__feedback aula-question__feedback--' +
      (score === 1 ? 'correct' : 'incorrect');
    if (this.createXAPIEventTemplate) {
      var event = this.createXAPIEventTemplate('answered');
      event.setScoredResult(score, 1, this, true, score === 1);
      this.trigger(event);
    }
    if (this.trigger) { this.trigger('resize'); }
  };

  Question.prototype.getScore = function () {
    var option = this.options[this.selected];
    return option && option.correct === true ? 1 : 0;
  };

  Question.prototype.getMaxScore = function () { return 1; };

  Question.prototype.getCurrentState = function () { return {selected: this.selected}; };

  Aula.Question = Question;
})(window, document);
