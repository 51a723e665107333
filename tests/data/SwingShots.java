import javax.swing.*;
import javax.swing.table.*;
import java.awt.*;
import java.awt.event.*;

public class SwingShots {
    static boolean ru;
    static String t(String en, String r) { return ru ? r : en; }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        ru = args.length > 1 && args[1].equals("ru");
        UIManager.setLookAndFeel("javax.swing.plaf.metal.MetalLookAndFeel");
        SwingUtilities.invokeAndWait(() -> {
            JFrame f = new JFrame(t("Aquarium Keeper", "Смотритель аквариума"));
            f.setDefaultCloseOperation(JFrame.EXIT_ON_CLOSE);
            JMenuBar bar = new JMenuBar();
            JMenu file = new JMenu(t("File", "Файл"));
            JMenu tank = new JMenu(t("Tank", "Аквариум"));
            JMenu help = new JMenu(t("Help", "Справка"));
            String[][] items = {
                {t("Feed Fish", "Покормить рыб"), "F"},
                {null, null},
                {t("Clean Filter", "Очистить фильтр"), "L"},
                {t("Check Water", "Проверить воду"), null},
                {t("Measure Oxygen", "Измерить кислород"), "M"},
                {t("Export Log...", "Экспорт журнала..."), "E"},
            };
            for (String[] it : items) {
                if (it[0] == null) { tank.addSeparator(); continue; }
                JMenuItem mi = new JMenuItem(it[0]);
                if (it[1] != null) mi.setAccelerator(KeyStroke.getKeyStroke(it[1].charAt(0), InputEvent.CTRL_DOWN_MASK));
                tank.add(mi);
            }
            bar.add(file); bar.add(tank); bar.add(help);
            f.setJMenuBar(bar);
            JPanel root = new JPanel(new BorderLayout());
            if (mode.equals("table") || mode.equals("menu")) {
                String[][] rows = {
                    {t("Pump Speed", "Скорость насоса"), "40"},
                    {t("Light Mode", "Режим света"), t("Dawn", "Рассвет")},
                    {t("Sensor Count", "Число датчиков"), "5"},
                    {t("Heater", "Нагреватель"), t("Off", "Выкл")},
                    {t("Tank Name", "Имя аквариума"), "REEF"},
                };
                JTable table = new JTable(new DefaultTableModel(rows, new String[]{"a", "b"}));
                table.setShowGrid(true);
                table.setGridColor(Color.GRAY);
                table.setTableHeader(null);
                table.setRowHeight(20);
                table.getColumnModel().getColumn(0).setPreferredWidth(120);
                JPanel side = new JPanel(new BorderLayout());
                JLabel head = new JLabel(t("Selection: Pump", "Выделение: Насос"), SwingConstants.CENTER);
                side.add(head, BorderLayout.NORTH);
                side.add(table, BorderLayout.CENTER);
                side.setPreferredSize(new Dimension(250, 300));
                JPanel left = new JPanel(new BorderLayout());
                left.add(side, BorderLayout.SOUTH);
                root.add(left, BorderLayout.WEST);
                JPanel canvas = new JPanel() {
                    protected void paintComponent(Graphics g) {
                        super.paintComponent(g);
                        g.setColor(Color.WHITE); g.fillRect(0, 0, getWidth(), getHeight());
                        g.setColor(Color.BLACK); g.drawRect(60, 80, 90, 50); g.drawString(t("PUMP", "НАСОС"), 85, 110);
                        g.drawOval(220, 160, 40, 40); g.drawString(t("HEATER", "НАГРЕВ"), 215, 220);
                    }
                };
                canvas.setPreferredSize(new Dimension(380, 400));
                root.add(canvas, BorderLayout.CENTER);
            } else {
                JPanel form = new JPanel(new GridBagLayout());
                GridBagConstraints c = new GridBagConstraints();
                c.insets = new Insets(4, 4, 4, 4);
                c.anchor = GridBagConstraints.WEST;
                c.gridy = 0; c.gridx = 0;
                form.add(new JLabel(t("Refresh interval", "Интервал обновления")), c);
                c.gridx = 1;
                form.add(new JComboBox<>(new String[]{"15", "30", "60"}), c);
                c.gridy = 1; c.gridx = 0;
                form.add(new JLabel(t("Alarm sound:", "Звук тревоги:")), c);
                c.gridx = 1;
                JComboBox<String> sound = new JComboBox<>(new String[]{t("Chime", "Колокол"), t("Buzzer", "Зуммер"), t("Whistle", "Свисток")});
                sound.setSelectedIndex(2);
                form.add(sound, c);
                c.gridy = 2; c.gridx = 0;
                form.add(new JLabel(t("Max readings", "Предел замеров")), c);
                c.gridx = 1;
                form.add(new JSpinner(new SpinnerNumberModel(250, 0, 1000, 10)), c);
                c.gridy = 3; c.gridx = 0;
                form.add(new JLabel(t("Units:", "Единицы:")), c);
                c.gridx = 1;
                JPanel units = new JPanel();
                ButtonGroup g = new ButtonGroup();
                JRadioButton a = new JRadioButton(t("Celsius", "Цельсий"));
                JRadioButton b = new JRadioButton(t("Fahrenheit", "Фаренгейт"), true);
                g.add(a); g.add(b); units.add(a); units.add(b);
                form.add(units, c);
                c.gridy = 4; c.gridx = 0; c.gridwidth = 2;
                form.add(new JCheckBox(t("Night lights", "Ночная подсветка"), true), c);
                c.gridy = 5;
                form.add(new JCheckBox(t("Send reports", "Отправлять отчёты"), false), c);
                JTabbedPane tabs = new JTabbedPane();
                tabs.addTab(t("Sensors", "Датчики"), form);
                tabs.addTab(t("Display", "Экран"), new JPanel());
                tabs.addTab(t("Network", "Сеть"), new JPanel());
                root.add(tabs, BorderLayout.CENTER);
                JPanel south = new JPanel();
                south.add(new JButton(t("Close Window", "Закрыть окно")));
                root.add(south, BorderLayout.SOUTH);
            }
            f.setContentPane(root);
            f.pack();
            if (mode.equals("options")) f.setSize(460, 360);
            f.setLocation(0, 0);
            f.setVisible(true);
            if (mode.equals("options")) {
                // The focused combo box paints its value on the selection colour, as a user leaves it.
                JComboBox<?> focused = (JComboBox<?>) ((JPanel) ((JTabbedPane) root.getComponent(0)).getComponentAt(0)).getComponent(3);
                focused.requestFocusInWindow();
            }
            if (mode.equals("menu")) {
                tank.setSelected(true);
                tank.setPopupMenuVisible(true);
            }
        });
    }
}
